using System.Data;
using System.Runtime.CompilerServices;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Batches;

[Collection(DatabaseCollection.Name)]
public sealed class BulkInsertTests(DatabaseFixture db)
{
    private const string Columns = "id INT PRIMARY KEY, name VARCHAR(200) CHARACTER SET utf8mb4 NULL, amount DECIMAL(12,4) NULL, at DATETIME(6) NULL, data VARBINARY(16) NULL, n INT NOT NULL DEFAULT 7";

    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task BulkInsert_Objects_InsertsEveryRowMappedByNameIgnoringCase(bool useAsync)
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        var rows = Enumerable.Range(1, 2500).Select(MakeRow).ToList();

        var result = useAsync ? await helper.BulkInsertAsync(table.Name, rows) : helper.BulkInsert(table.Name, rows);

        Assert.Equal(2500, result.RowsInserted);
        Assert.Empty(result.Warnings);
        await AssertRowsAsync(helper, table, rows);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task BulkInsertAsync_AsyncSequence_InsertsEveryRow()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        await using var scope = await helper.OpenAsync();

        var result = await scope.BulkInsertAsync(table.Name, Rows(1500));

        Assert.Equal(1500, result.RowsInserted);
        await AssertRowsAsync(helper, table, [.. Enumerable.Range(1, 1500).Select(MakeRow)]);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task BulkInsert_DataTable_MapsColumnsByName(bool useAsync)
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        var data = new DataTable();
        data.Columns.Add("NAME", typeof(string));
        data.Columns.Add("Id", typeof(int));
        data.Rows.Add("first", 1);
        data.Rows.Add(DBNull.Value, 2);

        var result = useAsync ? await helper.BulkInsertAsync(table.Name, data) : helper.BulkInsert(table.Name, data);

        Assert.Equal(2, result.RowsInserted);
        Assert.Equal("first", await helper.FetchOneAsync<string>($"SELECT name FROM {table} WHERE id = 1"));
        Assert.Null(await helper.FetchOneAsync<string>($"SELECT name FROM {table} WHERE id = 2"));
        Assert.Equal(7, await helper.FetchOneAsync<int>($"SELECT n FROM {table} WHERE id = 2"));   // a column without a source gets its default
    }

    [Fact]
    public async Task BulkInsert_MemberWithoutAColumn_NamesItAndSendsNothing()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => helper.BulkInsertAsync(table.Name, new[] { new { Id = 1, Nmae = "typo" } }));

        Assert.Contains(".Nmae matches no column of `" + table.Name + "` (id, name, amount, at, data, n)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task BulkInsert_BadTableName_IsRefusedBeforeAnythingIsSent()
    {
        await using var helper = CreateHelper();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => helper.BulkInsertAsync("t; DROP TABLE x", new[] { new { Id = 1 } }));
        Assert.Contains("is not a table name BulkInsert accepts", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task BulkInsert_Progress_IsReportedEveryThousandRows(bool useAsync)
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        var reports = new List<int>();
        var rows = Enumerable.Range(1, 3500).Select(MakeRow);

        var result = useAsync ? await helper.BulkInsertAsync(table.Name, rows, reports.Add) : helper.BulkInsert(table.Name, rows, reports.Add);

        Assert.Equal(3500, result.RowsInserted);
        Assert.Equal([1000, 2000, 3000], reports);
    }

    [Fact]
    public async Task BulkInsert_WithoutAllowLoadLocalInfile_SaysToAddItToTheConnectionString()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = db.CreateHelper();

        var ex = await Assert.ThrowsAsync<SqlLocalInfileDisabledException>(() => helper.BulkInsertAsync(table.Name, new[] { new { Id = 1 } }));

        Assert.False(ex.DisabledOnServer);
        Assert.Contains("Add AllowLoadLocalInfile=true to the connection string", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task BulkInsert_ServerLocalInfileOff_SaysHowToTurnItOn()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        var original = await db.ExecuteAdminAsync("SELECT @@GLOBAL.local_infile");
        await db.ExecuteAdminAsync("SET GLOBAL local_infile = 0");
        try
        {
            var ex = Assert.Throws<SqlLocalInfileDisabledException>(() => helper.BulkInsert(table.Name, new[] { new { Id = 1 } }));

            Assert.True(ex.DisabledOnServer);
            Assert.Contains("SET GLOBAL local_infile = 1", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await db.ExecuteAdminAsync($"SET GLOBAL local_infile = {original}");
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task BulkInsert_InARolledBackTransaction_LeavesNothing()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            await scope.BeginTransactionAsync();
            Assert.Equal(100, (await helper.BulkInsertAsync(table.Name, Enumerable.Range(1, 100).Select(MakeRow))).RowsInserted);
            Assert.Equal(100L, await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
            await scope.RollbackAsync();
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task BulkInsert_DuplicateKeys_ReportTheRowCountMismatch()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();

        var ex = await Assert.ThrowsAsync<MySqlException>(() => helper.BulkInsertAsync(table.Name, new[] { new { Id = 1 }, new { Id = 1 }, new { Id = 2 } }));

        Assert.Equal(MySqlErrorCode.BulkCopyFailed, ex.ErrorCode);
        Assert.Contains("3 rows were copied", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task BulkInsert_TruncatedValue_IsReportedAsAWarning()
    {
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, code VARCHAR(3) NULL");
        await using var helper = CreateHelper();
        await using var scope = await helper.OpenAsync();
        await scope.ExecuteAsync("SET SESSION sql_mode = ''");

        var result = await scope.BulkInsertAsync(table.Name, new[] { new { Id = 1, Code = "abcdef" } });

        Assert.Equal(1, result.RowsInserted);
        Assert.Contains(result.Warnings, static w => w.Message.Contains("code", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task BulkInsertAsync_Cancelled_ThrowsOperationCanceledAndReleasesTheConnection()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = CreateHelper();
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => helper.BulkInsertAsync(table.Name, CancelAfter(cts, 500), cancellationToken: cts.Token));

        Assert.Equal(0, helper.GetStatistics().HeldConnections);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task BulkInsert_UnderWhenDirty_ResetsTheSessionOnRelease()
    {
        await using var table = await db.CreateTableAsync(Columns);
        await using var helper = db.CreateHelper(static o =>
        {
            o.ConnectionString += ";AllowLoadLocalInfile=true";
            o.SessionReset = SessionResetPolicy.WhenDirty;
        });
        await using (var scope = await helper.OpenAsync())
            await scope.BulkInsertAsync(table.Name, new[] { new { Id = 1 } });
        Assert.Equal(1L, helper.GetStatistics().SessionResets);
    }

    private SqlHelper CreateHelper() => db.CreateHelper(static o => o.ConnectionString += ";AllowLoadLocalInfile=true");

    private static async Task AssertRowsAsync(SqlHelper helper, Infrastructure.TempTable table, IReadOnlyList<Row> rows)
    {
        var back = await helper.FetchAllAsync<Row>($"SELECT id, name, amount, at, data, n FROM {table} ORDER BY id");
        Assert.Equal(rows, back);
    }

    private static Row MakeRow(int i) => new(
        i,
        i % 9 == 0 ? null : $"row {i} \t tab \n newline \\ backslash ' quote ✓",
        i % 4 == 0 ? null : i / 16m,
        i % 6 == 0 ? null : new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMinutes(i).AddTicks(10),
        i % 5 == 0 ? null : [(byte) i, 0, 9, 10, 92, 255],
        (Kind) (i % 3));

    private static async IAsyncEnumerable<Row> Rows(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            if (i % 500 == 0)
                await Task.Yield();
            yield return MakeRow(i);
        }
    }

    private static async IAsyncEnumerable<Row> CancelAfter(CancellationTokenSource cts, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; ; i++)
        {
            if (i == count)
                await cts.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return MakeRow(i);
        }
    }

    public enum Kind
    {
        A = 7,
        B = 1,
        C = 2,
    }

    public sealed record Row(int Id, string? Name, decimal? Amount, DateTime? At, byte[]? Data, Kind N)
    {
        public bool Equals(Row? other) => other is not null && Id == other.Id && Name == other.Name && Amount == other.Amount && At == other.At && N == other.N
            && (Data is null ? other.Data is null : other.Data is not null && Data.AsSpan().SequenceEqual(other.Data));

        public override int GetHashCode() => Id;
    }
}
