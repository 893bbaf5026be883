using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Batches;

/// <summary><see cref="SqlHelperOptions.RewriteBatchedInserts"/>: runs of identical single-row INSERTs in a batch sent as multi-row INSERTs.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RewriteBatchedInsertsTests(DatabaseFixture db)
{
    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_RunOfIdenticalInserts_IsSentAsMultiRowInsertsAndEachStatementCountsOne(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => o.RewriteBatchedInserts = true);
        await using var scope = await helper.OpenAsync();
        var insert = $"INSERT INTO {table} (id, n, name) VALUES (@id, @n, @name)";
        var batch = new List<SqlBatchStatement> { new($"INSERT INTO {table} (id) VALUES (-1)") };
        batch.AddRange(Enumerable.Range(0, 2500).Select(i => new SqlBatchStatement(insert, new { id = i, n = i * 2, name = i % 3 == 0 ? null : "it's " + i })));
        batch.Add(new($"UPDATE {table} SET n = n + 1 WHERE id < @max", new { max = 10 }));
        batch.Add(new(insert, new { id = 5000, n = 1, name = "single" }));
        var before = await ExecuteManyTests.ComInsertAsync(scope);

        var affected = useAsync ? await scope.ExecuteBatchAsync(batch) : scope.ExecuteBatch(batch);

        Assert.Equal([1, .. Enumerable.Repeat(1, 2500), 11, 1], affected);
        Assert.Equal(1L + 3 + 1, await ExecuteManyTests.ComInsertAsync(scope) - before);   // the first, 2,500 rows in three, the last
        Assert.Equal(2502L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(2L * 1234, await scope.ExecuteScalarAsync<long>($"SELECT n FROM {table} WHERE id = 1234"));
        Assert.Equal("it's 1234", await scope.ExecuteScalarAsync<string>($"SELECT name FROM {table} WHERE id = 1234"));
        Assert.Equal(1L + 834, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE name IS NULL"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_FailingRowInARun_NamesTheRangeOfItsStatementAndNothingOfItIsInserted(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => o.RewriteBatchedInserts = true);
        await using var scope = await helper.OpenAsync();
        await scope.BeginTransactionAsync();
        var insert = $"INSERT INTO {table} (id) VALUES (@id)";
        SqlBatchStatement[] batch =
        [
            new($"INSERT INTO {table} (id) VALUES (100)"),
            .. new[] { 1, 2, 1, 3 }.Select(id => new SqlBatchStatement(insert, new { id })),   // the second 1 is a duplicate
            new($"INSERT INTO {table} (id) VALUES (200)"),
        ];

        var ex = useAsync ? await Assert.ThrowsAsync<SqlBatchException>(() => scope.ExecuteBatchAsync(batch)) : Assert.Throws<SqlBatchException>(() => scope.ExecuteBatch(batch));

        Assert.Equal(1, ex.FirstIndex);
        Assert.Equal(4, ex.LastIndex);
        Assert.StartsWith("The server rejected the multi-row INSERT that carried statements 1 to 4 (zero-based) of the batch", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, ex.ServerError.ErrorCode);
        // the transaction is the caller's and holds only the statement before the run
        Assert.NotNull(scope.Transaction);
        Assert.Equal([100], await scope.FetchAllAsync<int>($"SELECT id FROM {table} ORDER BY id"));
        await scope.RollbackAsync();
    }

    [Fact]
    public async Task ExecuteBatch_RunBeforeAStatementThatReadsLastInsertId_IsSentStatementByStatement()
    {
        await using var table = await db.CreateTableAsync("id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL");
        await using var links = await db.CreateTableAsync("id INT PRIMARY KEY");
        await using var helper = db.CreateHelper(o => o.RewriteBatchedInserts = true);
        await using var scope = await helper.OpenAsync();
        var insert = $"INSERT INTO {table} (n) VALUES (@n)";
        var before = await ExecuteManyTests.ComInsertAsync(scope);

        var affected = await scope.ExecuteBatchAsync([
            .. Enumerable.Range(0, 5).Select(n => new SqlBatchStatement(insert, new { n })),
            new($"INSERT INTO {links} (id) VALUES (LAST_INSERT_ID())"),
        ]);

        Assert.Equal([1, 1, 1, 1, 1, 1], affected);
        Assert.Equal(6L, await ExecuteManyTests.ComInsertAsync(scope) - before);
        Assert.Equal(await scope.ExecuteScalarAsync<long>($"SELECT MAX(id) FROM {table}"), await scope.ExecuteScalarAsync<long>($"SELECT id FROM {links}"));
    }

    [Fact]
    public async Task ExecuteBatch_RunOfInsertIgnore_IsNotRewrittenSoEachCountIsExact()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => o.RewriteBatchedInserts = true);
        await using var scope = await helper.OpenAsync();

        var affected = await scope.ExecuteBatchAsync(new[] { 1, 1, 2 }.Select(id => new SqlBatchStatement($"INSERT IGNORE INTO {table} (id) VALUES (@id)", new { id })));

        Assert.Equal([1, 0, 1], affected);
    }

    [Fact]
    public async Task ExecuteBatch_OptionOff_SendsEveryStatementOnItsOwn()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var before = await ExecuteManyTests.ComInsertAsync(scope);

        var affected = await scope.ExecuteBatchAsync(Enumerable.Range(0, 20).Select(id => new SqlBatchStatement($"INSERT INTO {table} (id) VALUES (@id)", new { id })));

        Assert.Equal(Enumerable.Repeat(1, 20), affected);
        Assert.Equal(20L, await ExecuteManyTests.ComInsertAsync(scope) - before);
    }
}
