using Dapper;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Batches;

[Collection(DatabaseCollection.Name)]
public sealed class ExecuteBatchTests(DatabaseFixture db)
{
    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_OnAScope_ReturnsEachStatementsAffectedRows(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var dynamic = new DynamicParameters();
        dynamic.Add("id", 4);
        SqlBatchStatement[] batch =
        [
            new($"INSERT INTO {table} (id, n) VALUES (@id, @n), (@id + 1, @n)", new { id = 1, n = 10 }),
            new($"INSERT INTO {table} (id, n, name) VALUES (@id, 0, @name)", new Dictionary<string, object?> { ["id"] = 3, ["name"] = "x" }),
            new($"INSERT INTO {table} (id) VALUES (@id)", dynamic),
            new($"UPDATE {table} SET n = n + 1 WHERE id <= @max", new { max = 3 }),
            new($"SELECT * FROM {table}"),
            new($"DELETE FROM {table} WHERE id = 99"),
        ];

        var affected = useAsync ? await scope.ExecuteBatchAsync(batch) : scope.ExecuteBatch(batch);

        Assert.Equal([2, 1, 1, 3, -1, 0], affected);
        Assert.Equal(4L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(11, await scope.ExecuteScalarAsync<int>($"SELECT n FROM {table} WHERE id = 1"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_OnTheHelper_UsesAShortLivedScopeAndHoldsNothingAfterwards(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        SqlBatchStatement[] batch = [new($"INSERT INTO {table} (id) VALUES (@id)", new { id = 1 }), new($"INSERT INTO {table} (id) VALUES (@id)", new { id = 2 })];

        var affected = useAsync ? await helper.ExecuteBatchAsync(batch) : helper.ExecuteBatch(batch);

        Assert.Equal([1, 1], affected);
        AssertNothingHeld(helper);
        Assert.Equal(1L, helper.GetStatistics().ScopesOpened);
        Assert.Equal(2L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_FailingStatement_NamesItsIndexAndKeepsTheServerError(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        SqlBatchStatement[] batch =
        [
            new($"INSERT INTO {table} (id) VALUES (1)"),
            new($"INSERT INTO {table} (id) VALUES (2)"),
            new($"INSERT INTO {table} (id) VALUES (1)"),   // duplicate key
            new($"INSERT INTO {table} (id) VALUES (3)"),
        ];

        var ex = useAsync
            ? await Assert.ThrowsAsync<SqlBatchException>(() => helper.ExecuteBatchAsync(batch))
            : Assert.Throws<SqlBatchException>(() => helper.ExecuteBatch(batch));

        Assert.Equal(2, ex.FirstIndex);
        Assert.Equal(2, ex.LastIndex);
        Assert.StartsWith("The server rejected statement 2 (zero-based) of the batch: Duplicate entry", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, ex.ServerError.ErrorCode);
        Assert.Same(ex.ServerError, ex.InnerException);
        Assert.Equal(3L, await db.ScalarAsync($"SELECT SUM(id) FROM {table}"));   // rows 1 and 2 only
        AssertNothingHeld(helper);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatch_FailingInATransaction_LeavesTheTransactionToTheCaller(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            await scope.BeginTransactionAsync();
            SqlBatchStatement[] batch = [new($"INSERT INTO {table} (id) VALUES (1)"), new($"INSERT INTO {table} (id) VALUES (1)")];
            if (useAsync)
                await Assert.ThrowsAsync<SqlBatchException>(() => scope.ExecuteBatchAsync(batch));
            else
                Assert.Throws<SqlBatchException>(() => scope.ExecuteBatch(batch));

            // the transaction is still open and still holds the first row
            Assert.NotNull(scope.Transaction);
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
            await scope.RollbackAsync();
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task ExecuteBatch_InARolledBackTransaction_LeavesNothing()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            await scope.BeginTransactionAsync();
            var affected = await helper.ExecuteBatchAsync(Enumerable.Range(1, 50).Select(i => new SqlBatchStatement($"INSERT INTO {table} (id) VALUES (@i)", new { i })));
            Assert.Equal(50, affected.Count);
            await scope.RollbackAsync();
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task ExecuteBatch_DeadlockInInTransaction_IsRetriedLikeABareDeadlock()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var attempts = 0;

        var affected = await helper.InTransactionAsync(scope =>
        {
            attempts++;
            // The server raises error 1213 on the first attempt, as a real deadlock would.
            var second = attempts == 1 ? "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'simulated deadlock'" : $"INSERT INTO {table} (id) VALUES (2)";
            return scope.ExecuteBatchAsync([new($"INSERT INTO {table} (id) VALUES (1)"), new(second)]);
        });

        Assert.Equal(2, attempts);
        Assert.Equal([1, 1], affected);
        Assert.Equal(2L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task ExecuteBatch_MissingParameter_ThrowsBeforeAnythingIsSent()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        SqlBatchStatement[] batch = [new($"INSERT INTO {table} (id) VALUES (@id)", new { id = 1 }), new($"INSERT INTO {table} (id) VALUES (@idd)", new { id = 2 })];

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => helper.ExecuteBatchAsync(batch));

        Assert.Contains("@idd", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task ExecuteBatch_ListParameter_IsRefusedClearly()
    {
        await using var helper = db.CreateHelper();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => helper.ExecuteBatchAsync([new("SELECT 1 FROM DUAL WHERE 1 IN @ids", new { ids = new[] { 1, 2 } })]));
        Assert.Contains("do not expand lists", ex.Message, StringComparison.Ordinal);
        AssertNothingHeld(helper);
    }

    [Theory]
    [InlineData("SET @batch_var = 1", 1L, 0L)]
    [InlineData("SELECT 2", 0L, 1L)]
    public async Task ExecuteBatch_DirtyingStatement_MarksTheScopeDirty(string statement, long resets, long skipped)
    {
        await using var helper = db.CreateHelper(static o => o.SessionReset = SessionResetPolicy.WhenDirty);
        await using (var scope = await helper.OpenAsync())
            await scope.ExecuteBatchAsync([new("SELECT 1"), new(statement), new("SELECT 3")]);
        var stats = helper.GetStatistics();
        Assert.Equal(resets, stats.SessionResets);
        Assert.Equal(skipped, stats.SessionResetsSkipped);
    }

    [Fact]
    public async Task ExecuteBatch_Cancelled_ThrowsOperationCanceledAndReleasesTheConnection()
    {
        await using var helper = db.CreateHelper();
        using var cts = new CancellationTokenSource();
        var batch = helper.ExecuteBatchAsync([new("SELECT 1"), new("SELECT SLEEP(30)")], cts.Token);
        await WaitForQueryAsync("SELECT SLEEP(30)");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch);

        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task ExecuteBatch_ConnectionKilledWhileRunning_ThrowsConnectionLost()
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var id = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
        var batch = scope.ExecuteBatchAsync([new("SELECT 1"), new("SELECT SLEEP(30)")]);
        await WaitForQueryAsync("SELECT SLEEP(30)");
        await db.KillAsync(id);

        var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() => batch);

        Assert.True(ex.OutcomeUnknown);
    }

    [Fact]
    public async Task ExecuteBatch_LargerThanMaxAllowedPacket_IsSentInSeveralRoundTrips()
    {
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, name TEXT");
        await using var packet = await SmallPacket.SetAsync(db, 65536);
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var text = new string('q', 3000) + "'\\\"";

        var affected = await scope.ExecuteBatchAsync(Enumerable.Range(0, 100).Select(i => new SqlBatchStatement($"INSERT INTO {table} (id, name) VALUES (@i, @text)", new { i, text })));

        Assert.Equal(Enumerable.Repeat(1, 100), affected);
        // one round trip would have been ~300 KB, over the 64 KB packet: the server would have dropped the connection
        Assert.Equal(100L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE name = @text", new { text }));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ExecuteBatchAndExecuteRows_ValueWithADapperTypeHandler_AreBoundThroughTheHandler(bool rewrite)
    {
        SqlMapper.AddTypeHandler(new CentsHandler());
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => o.RewriteBatchedInserts = rewrite);
        await using var scope = await helper.OpenAsync();

        var inserted = await scope.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@id, @amount)", Enumerable.Range(0, 2500).Select(id => new { id, amount = new Cents(id * 100) }));
        var affected = await scope.ExecuteBatchAsync([
            new($"UPDATE {table} SET n = n + @amount WHERE id = @id", new { id = 7, amount = new Cents(500) }),
            new($"INSERT INTO {table} (id, n) VALUES (@id, @amount)", new { id = 5000, amount = new Cents(1234) }),
            new($"INSERT INTO {table} (id, n) VALUES (@id, @amount)", new { id = 5001, amount = new Cents(1) }),
        ]);

        Assert.Equal(2500, inserted);
        Assert.Equal([1, 1, 1], affected);
        // the handler sends whole units: row 7 is 7 + 5, row 5000 is 12, row 5001 is 0
        Assert.Equal(12L, await scope.ExecuteScalarAsync<long>($"SELECT n FROM {table} WHERE id = 7"));
        Assert.Equal((12L, 0L), (await scope.ExecuteScalarAsync<long>($"SELECT n FROM {table} WHERE id = 5000"), await scope.ExecuteScalarAsync<long>($"SELECT n FROM {table} WHERE id = 5001")));
        Assert.Equal(2499L * 2500 / 2 + 5 + 12, await scope.ExecuteScalarAsync<long>($"SELECT SUM(n) FROM {table}"));
    }

    private readonly record struct Cents(long Value);

    private sealed class CentsHandler : SqlMapper.TypeHandler<Cents>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, Cents value)
        {
            parameter.DbType = System.Data.DbType.Int64;
            parameter.Value = value.Value / 100;
        }

        public override Cents Parse(object value) => new(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) * 100);
    }

    private async Task WaitForQueryAsync(string text)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await db.ExecuteAdminAsync($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%{text}%' AND INFO NOT LIKE '%PROCESSLIST%'") > 0)
                return;
            await Task.Delay(25);
        }
        throw new TimeoutException($"'{text}' never showed up in the process list.");
    }

    private static void AssertNothingHeld(SqlHelper helper)
    {
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
    }
}
