using Dapper;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Batches;

/// <summary><c>Execute(sql, sequence)</c>: rows sent in batches, a single-row INSERT rewritten into multi-row INSERTs.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExecuteManyTests(DatabaseFixture db)
{
    private const string Columns = "id INT PRIMARY KEY, n INT NULL, name VARCHAR(200) CHARACTER SET utf8mb4 NULL, data VARBINARY(64) NULL, at DATETIME(6) NULL, amount DECIMAL(12,4) NULL";

    private static readonly string[] Awkward = ["plain", "it's", "back\\slash", "\"double\"", "semi;colon", "@notaparam", "ünïcødé ✓", "", "\\'", "--", "/*"];

    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_SingleRowInsertWithASequence_IsRewrittenAndEveryValueArrives(bool useAsync)
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var rows = Enumerable.Range(0, 2500).Select(MakeRow).ToList();
        var before = await ComInsertAsync(scope);

        var sql = $"INSERT INTO {table} (id, n, name, data, at, amount) VALUES (@Id, @N, @Name, @Data, @At, @Amount)";
        var affected = useAsync ? await scope.ExecuteAsync(sql, rows) : scope.Execute(sql, rows);

        Assert.Equal(2500, affected);
        Assert.Equal(3L, await ComInsertAsync(scope) - before);   // 1,000 rows per statement
        var back = await scope.FetchAllAsync<Row>($"SELECT id, n, name, data, at, amount FROM {table} ORDER BY id");
        Assert.Equal(rows, back);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_TwoWholeStatementsOrMore_ArePreparedOncePerSessionAndTheRestSentAsText(bool useAsync)
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = db.CreateHelper(o => o.SessionReset = SessionResetPolicy.WhenDirty);
        await using var scope = await helper.OpenAsync();
        var sql = $"INSERT INTO {table} (id, n, name, data, at, amount) VALUES (@Id, @N, @Name, @Data, @At, @Amount)";
        var before = await StatusAsync(scope);

        var first = useAsync ? await scope.ExecuteAsync(sql, Enumerable.Range(0, 2500).Select(MakeRow)) : scope.Execute(sql, Enumerable.Range(0, 2500).Select(MakeRow));
        var afterFirst = await StatusAsync(scope);
        var second = useAsync ? await scope.ExecuteAsync(sql, Enumerable.Range(2500, 2000).Select(MakeRow)) : scope.Execute(sql, Enumerable.Range(2500, 2000).Select(MakeRow));
        var afterSecond = await StatusAsync(scope);
        var few = await scope.ExecuteAsync(sql, Enumerable.Range(4500, 1999).Select(MakeRow));   // one whole statement: not prepared for it
        var afterFew = await StatusAsync(scope);

        Assert.Equal((2500, 2000, 1999), (first, second, few));
        Assert.Equal((1L, 2L, 3L), (afterFirst.Prepare - before.Prepare, afterFirst.Execute - before.Execute, afterFirst.Insert - before.Insert));
        Assert.Equal((0L, 2L, 2L), (afterSecond.Prepare - afterFirst.Prepare, afterSecond.Execute - afterFirst.Execute, afterSecond.Insert - afterFirst.Insert));   // the statement is cached on the session
        // ... but its text is the one the session prepared already, which MySqlConnector then uses; the rest goes as text
        Assert.Equal((0L, 1L, 2L), (afterFew.Prepare - afterSecond.Prepare, afterFew.Execute - afterSecond.Execute, afterFew.Insert - afterSecond.Insert));
        var back = await scope.FetchAllAsync<Row>($"SELECT id, n, name, data, at, amount FROM {table} ORDER BY id");
        Assert.Equal(Enumerable.Range(0, 6499).Select(MakeRow), back);
    }

    [Fact]
    public async Task Execute_ServerRefusesToPrepare_SendsTheSameRowsAsText()
    {
        await using var table = await db.CreateTableAsync();
        var original = await db.ExecuteAdminAsync("SELECT @@GLOBAL.max_prepared_stmt_count");
        await db.ExecuteAdminAsync("SET GLOBAL max_prepared_stmt_count = 0");
        try
        {
            await using var helper = db.CreateHelper();
            var affected = await helper.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@id, @n)", Enumerable.Range(0, 3000).Select(id => new { id, n = id % 7 }));

            Assert.Equal(3000, affected);
            Assert.Equal(3000L * 2999 / 2, await db.ScalarAsync($"SELECT SUM(id) FROM {table}"));
        }
        finally
        {
            await db.ExecuteAdminAsync($"SET GLOBAL max_prepared_stmt_count = {original}");
        }
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_OnTheHelperWithASequence_InsertsEveryRowAndHoldsNothing(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var rows = Enumerable.Range(1, 10).Select(i => new { id = i, name = "r" + i });
        var sql = $"INSERT IGNORE INTO {table} (id, name) VALUES (@id, @name);";

        Assert.Equal(10, useAsync ? await helper.ExecuteAsync(sql, rows) : helper.Execute(sql, rows));
        Assert.Equal(0, useAsync ? await helper.ExecuteAsync(sql, rows) : helper.Execute(sql, rows));   // IGNORE: all duplicates

        Assert.Equal(10L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Theory]
    [InlineData("INSERT INTO {0} (id, n) VALUES (@id, @n) ON DUPLICATE KEY UPDATE n = n + @n")]
    [InlineData("UPDATE {0} SET n = @n WHERE id = @id")]
    [InlineData("INSERT INTO {0} (id, n) SELECT @id, @n FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM {0} WHERE id = @id)")]
    [InlineData("REPLACE INTO {0} (id, n) VALUES (@id, @n)")]
    [InlineData("INSERT IGNORE INTO {0} (id, n) VALUES (@id + 100, @n), (@id + 200, @n)")]
    [InlineData("DELETE FROM {0} WHERE id = @id AND n <> @n")]
    public async Task Execute_AnyStatementWithASequence_AffectsAsManyRowsAsDappersLoop(string template)
    {
        // Given two identical tables, one row in four already there and one of those already up to date
        await using var ours = await db.CreateTableAsync();
        await using var theirs = await db.CreateTableAsync();
        foreach (var table in new[] { ours, theirs })
            await db.ExecuteAdminAsync($"INSERT INTO {table} (id, n) VALUES (1, 1), (5, 0), (9, 0)");
        var rows = Enumerable.Range(1, 12).Select(i => new { id = i, n = i == 1 ? 1 : i * 10 }).ToList();

        // When ours runs through SqlHelper and theirs through Dapper's round trip per row
        await using var helper = db.CreateHelper();
        var affected = await helper.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, ours), rows);
        await using var connection = new MySqlConnection(db.ConnectionString);
        var expected = await connection.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, theirs), rows);

        // Then the counts and the tables agree
        Assert.Equal(expected, affected);
        Assert.Equal(await db.ScalarAsync($"SELECT COUNT(*) * 100000000 + COALESCE(SUM(id * 1000 + n), 0) FROM {theirs}"),
            await db.ScalarAsync($"SELECT COUNT(*) * 100000000 + COALESCE(SUM(id * 1000 + n), 0) FROM {ours}"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_RewrittenInsertFails_NamesTheRowRangeOfItsStatement(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var rows = Enumerable.Range(0, 2500).Select(i => new { id = i == 1500 ? 10 : i }).ToList();   // row 1500 repeats row 10
        var sql = $"INSERT INTO {table} (id) VALUES (@id)";

        var ex = useAsync ? await Assert.ThrowsAsync<SqlBatchException>(() => helper.ExecuteAsync(sql, rows)) : Assert.Throws<SqlBatchException>(() => helper.Execute(sql, rows));

        Assert.Equal(1000, ex.FirstIndex);
        Assert.Equal(1999, ex.LastIndex);
        Assert.StartsWith("The server rejected the multi-row INSERT of rows 1000 to 1999 (zero-based) of the sequence: Duplicate entry", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, ex.ServerError.ErrorCode);
        Assert.Equal(1000L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));   // the first statement's rows (autocommit)
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_BatchedStatementFails_NamesTheFailingRow(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var rows = Enumerable.Range(0, 30).Select(i => new { id = i, n = i == 17 ? (int?) null : i }).ToList();   // n is NOT NULL
        var sql = $"INSERT INTO {table} (id, n) VALUES (@id, @n) ON DUPLICATE KEY UPDATE n = VALUES(n)";

        var ex = useAsync ? await Assert.ThrowsAsync<SqlBatchException>(() => helper.ExecuteAsync(sql, rows)) : Assert.Throws<SqlBatchException>(() => helper.Execute(sql, rows));

        Assert.Equal(17, ex.FirstIndex);
        Assert.StartsWith("The server rejected the statement for row 17 (zero-based) of the sequence: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(17L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task Execute_RowsLargerThanMaxAllowedPacket_AreSplitAcrossStatements()
    {
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, name TEXT, data BLOB");
        await using var packet = await SmallPacket.SetAsync(db, 65536);
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var text = new string('\'', 1500) + new string('\\', 1500);   // escaping doubles both
        var data = Enumerable.Range(0, 1000).Select(static i => (byte) i).ToArray();
        var before = await ComInsertAsync(scope);

        var affected = await scope.ExecuteAsync($"INSERT INTO {table} (id, name, data) VALUES (@id, @text, @data)", Enumerable.Range(0, 100).Select(id => new { id, text, data }));
        var updated = await scope.ExecuteAsync($"UPDATE {table} SET name = @text WHERE id = @id", Enumerable.Range(0, 100).Select(id => new { id, text = text + "x" }));

        Assert.Equal(100, affected);
        Assert.Equal(100, updated);
        var statements = await ComInsertAsync(scope) - before;
        Assert.InRange(statements, 5, 99);   // ~8 KB a row under a 64 KB packet
        Assert.Equal(100L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE name = @name AND data = @data", new { name = text + "x", data }));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_RowsWithAListOrATemplate_RunAsDappersLoopWithDappersBinding(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await helper.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@id, 0)", Enumerable.Range(1, 9).Select(id => new { id }));
        var byList = $"UPDATE {table} SET n = n + @step WHERE id IN @ids";
        var templated = new DynamicParameters(new { id = 1 });
        templated.Add("n", 100);

        var listed = useAsync
            ? await helper.ExecuteAsync(byList, new[] { new { step = 1, ids = new[] { 1, 2, 3 } }, new { step = 10, ids = new[] { 3, 4 } } })
            : helper.Execute(byList, new[] { new { step = 1, ids = new[] { 1, 2, 3 } }, new { step = 10, ids = new[] { 3, 4 } } });
        var fromTemplate = useAsync
            ? await helper.ExecuteAsync($"UPDATE {table} SET n = n + @n WHERE id = @id", new[] { templated })
            : helper.Execute($"UPDATE {table} SET n = n + @n WHERE id = @id", new[] { templated });

        Assert.Equal((5, 1), (listed, fromTemplate));
        Assert.Equal([101, 1, 11, 10, 0], await helper.FetchAllAsync<int>($"SELECT n FROM {table} WHERE id <= 5 ORDER BY id"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_RowThatThrowsWhenRead_ThrowsBeforeAnythingIsSent(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var rows = Enumerable.Range(0, 2500).Select(static id => new ThrowingRow(id)).ToList();   // row 1500 throws when read

        var ex = useAsync
            ? await Assert.ThrowsAsync<InvalidOperationException>(() => helper.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@Id, @N)", rows))
            : Assert.Throws<InvalidOperationException>(() => helper.Execute($"INSERT INTO {table} (id, n) VALUES (@Id, @N)", rows));

        Assert.Equal("row 1500 cannot be read", ex.Message);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));   // every value is read before the first statement goes
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Execute_TypeHandlerThrowsWhileTheStatementBeforeItRuns_ThrowsAfterThatStatementEndedAndTheScopeStaysUsable(bool useAsync)
    {
        SqlMapper.AddTypeHandler(new PoisonHandler());
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var rows = Enumerable.Range(0, 2500).Select(static id => new { id, n = new Poison(id) }).ToList();   // the handler refuses 1500

        var ex = useAsync
            ? await Assert.ThrowsAsync<InvalidOperationException>(() => scope.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@id, @n)", rows))
            : Assert.Throws<InvalidOperationException>(() => scope.Execute($"INSERT INTO {table} (id, n) VALUES (@id, @n)", rows));

        Assert.Equal("1500 is poison", ex.Message);
        // the first statement ran to its end (autocommit) before the error came out; the connection is free for the next one
        Assert.Equal(1000L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
    }

    private sealed record ThrowingRow(int Id)
    {
        public int N => Id == 1500 ? throw new InvalidOperationException($"row {Id} cannot be read") : Id;
    }

    private readonly record struct Poison(int Value);

    private sealed class PoisonHandler : SqlMapper.TypeHandler<Poison>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, Poison value) =>
            parameter.Value = value.Value == 1500 ? throw new InvalidOperationException($"{value.Value} is poison") : value.Value;

        public override Poison Parse(object value) => new(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Execute_EmptySequence_SendsNothingAndReturnsZero()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        Assert.Equal(0, await helper.ExecuteAsync($"INSERT INTO {table} (id) VALUES (@id)", Array.Empty<object>()));
    }

    [Fact]
    public async Task Execute_SequenceWithAMissingMember_ThrowsBeforeAnythingIsSent()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => helper.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@id, @m)", new[] { new { id = 1, n = 2 } }));
        Assert.Contains("@m", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task Execute_SequenceInARolledBackTransaction_LeavesNothing()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            await scope.BeginTransactionAsync();
            Assert.Equal(3000, await helper.ExecuteAsync($"INSERT INTO {table} (id) VALUES (@id)", Enumerable.Range(0, 3000).Select(id => new { id })));
            await scope.RollbackAsync();
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    private static async Task<(long Prepare, long Execute, long Insert)> StatusAsync(SqlScope scope)
    {
        var rows = await scope.FetchAllAsync<(string Name, long Value)>(
            "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('COM_STMT_PREPARE', 'COM_STMT_EXECUTE', 'COM_INSERT')");
        var values = rows.ToDictionary(static r => r.Name, static r => r.Value, StringComparer.OrdinalIgnoreCase);
        return (values["COM_STMT_PREPARE"], values["COM_STMT_EXECUTE"], values["COM_INSERT"]);
    }

    internal static Task<long> ComInsertAsync(SqlScope scope) =>
        scope.ExecuteScalarAsync<long>("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_INSERT'");

    private static Row MakeRow(int i) => new(
        i,
        i % 7 == 0 ? null : i * 3,
        i % 11 == 0 ? null : Awkward[i % Awkward.Length] + i,
        i % 13 == 0 ? null : [(byte) i, 0, 39, 92, 34, 255],
        i % 5 == 0 ? null : new DateTime(2024, 2, 29, 23, 59, 58, DateTimeKind.Unspecified).AddSeconds(i).AddTicks(1230),
        i % 3 == 0 ? null : i / 8m);

    private sealed record Row(int Id, int? N, string? Name, byte[]? Data, DateTime? At, decimal? Amount)
    {
        public bool Equals(Row? other) => other is not null && Id == other.Id && N == other.N && Name == other.Name && At == other.At && Amount == other.Amount
            && (Data is null ? other.Data is null : other.Data is not null && Data.AsSpan().SequenceEqual(other.Data));

        public override int GetHashCode() => Id;
    }
}
