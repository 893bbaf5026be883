using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Under <see cref="SessionResetPolicy.WhenDirty"/> a clean scope's session is not reset, and MySqlConnector reports the
/// warnings of a statement only when it returned no rows and was the last of its batch. These check that the next
/// borrower of the connection can never read the warnings of a scope's statements, however they were read.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class InheritedWarningsTests(DatabaseFixture db) : IAsyncLifetime
{
    private const string Secret = "12-secret-value";
    private TempTable? _table;

    private TempTable Table => _table ?? throw new InvalidOperationException("The table was not created.");

    /// <summary>A SELECT the classifier calls clean; it returns a row and raises warning 1292, which quotes the bound value.</summary>
    private string WarningSelect => $"SELECT CAST(@v AS SIGNED) AS n FROM {Table} WHERE id = @id";

    public async Task InitializeAsync()
    {
        _table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {_table} (id) VALUES (1), (2), (3)");
    }

    public async Task DisposeAsync()
    {
        if (_table is not null)
            await _table.DisposeAsync();
    }

    [Fact]
    public async Task WhenDirty_WarningOfASelectReadFully_NextScopeCannotReadIt()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())
            Assert.Equal(12, Assert.Single(await a.FetchAllAsync<long>(WarningSelect, new { v = Secret, id = 1 })));

        Assert.Equal("", await WarningsOfNextScopeAsync(helper));
    }

    [Fact]
    public async Task WhenDirty_WarningOfAStreamedSelect_NextScopeCannotReadIt()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())
        {
            var rows = 0;
            await foreach (var _ in a.FetchStreamAsync<long>($"SELECT CAST(@v AS SIGNED) FROM {Table}", new { v = Secret }))
                rows++;
            Assert.Equal(3, rows);
        }

        Assert.Equal("", await WarningsOfNextScopeAsync(helper));
    }

    [Fact]
    public async Task WhenDirty_WarningOfAPartlyReadStream_NextScopeCannotReadIt()
    {
        await using var helper = CreateHelper();
        using (var a = helper.Open())
        {
            foreach (var n in a.FetchStream<long>($"SELECT CAST(@v AS SIGNED) FROM {Table} ORDER BY id", new { v = Secret }))
            {
                Assert.Equal(12, n);
                break;   // the rest is drained when the stream is disposed
            }
        }

        Assert.Equal("", await WarningsOfNextScopeAsync(helper));
    }

    [Fact]
    public async Task WhenDirty_WarningOfOneOfSeveralResultSets_NextScopeCannotReadIt()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())
        {
            using var grid = await a.FetchMultipleAsync($"SELECT id FROM {Table} WHERE id = @id; {WarningSelect}", new { v = Secret, id = 2 });
            Assert.Equal(2, Assert.Single(await grid.ReadAsync<long>()));
            Assert.Equal(12, Assert.Single(await grid.ReadAsync<long>()));
        }

        Assert.Equal("", await WarningsOfNextScopeAsync(helper));
    }

    [Fact]
    public async Task WhenDirty_WarningOfAStatementFollowedByASelectInOneBatch_NextScopeCannotReadIt()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())   // the DELETE's warning is followed by a result set, which hides it from the driver
            Assert.Equal(1, Assert.Single(await a.FetchAllAsync<long>($"DELETE FROM {Table} WHERE id = @v; SELECT 1", new { v = "9-" + Secret })));

        Assert.Equal("", await WarningsOfNextScopeAsync(helper));
    }

    [Fact]
    public async Task WhenDirty_NextScopeStartsWithoutATable_ItsLaterStatementCannotReadThem()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())
            await a.FetchAllAsync<long>(WarningSelect, new { v = Secret, id = 1 });

        await using var b = await helper.OpenAsync();
        Assert.Equal(1, await b.FetchOneAsync<long>("SELECT 1"));   // uses no table: the server keeps the warning list
        Assert.Equal("", Messages(await b.FetchAllAsync<dynamic>("SHOW WARNINGS")));
    }

    [Fact]
    public async Task WhenDirty_NextScopeStartsWithATransactionOrTheRawConnection_CannotReadThem()
    {
        await using var helper = CreateHelper();
        await using (var a = await helper.OpenAsync())
            await a.FetchAllAsync<long>(WarningSelect, new { v = Secret, id = 1 });
        await using (var b = await helper.OpenAsync())
        {
            await b.BeginTransactionAsync();
            Assert.Equal("", Messages(await b.FetchAllAsync<dynamic>("SHOW WARNINGS")));
            await b.FetchAllAsync<long>(WarningSelect, new { v = Secret, id = 1 });
            await b.CommitAsync();
        }

        await using var c = await helper.OpenAsync();
        await using var command = c.Connection.CreateCommand();
        command.CommandText = "SHOW COUNT(*) WARNINGS";
        Assert.Equal(0L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task WhenDirty_ScopesThatStartWithATable_SendNothingExtra_AndStillSeeTheirOwnWarnings()
    {
        await using var helper = CreateHelper();
        for (var i = 0; i < 5; i++)
        {
            await using var scope = await helper.OpenAsync();
            await scope.FetchAllAsync<long>(WarningSelect, new { v = Secret, id = 1 });
        }
        var statistics = helper.GetStatistics();
        Assert.Equal(0, statistics.DiagnosticsClears);   // each scope's first statement used a table, which empties the list itself
        Assert.Equal(0, statistics.SessionResets);

        // A scope's own warnings stay readable: only the previous borrower's are emptied.
        await using var last = await helper.OpenAsync();
        await last.FetchAllAsync<long>(WarningSelect, new { v = "34-" + Secret, id = 1 });
        Assert.Equal($"Truncated incorrect INTEGER value: '34-{Secret}'", Messages(await last.FetchAllAsync<dynamic>("SHOW WARNINGS")));
        Assert.Equal(0, helper.GetStatistics().DiagnosticsClears);
    }

    private SqlHelper CreateHelper() =>
        db.CreateHelper(o => { o.MaxConnections = 1; o.SessionReset = SessionResetPolicy.WhenDirty; });

    private static async Task<string> WarningsOfNextScopeAsync(SqlHelper helper)
    {
        await using var scope = await helper.OpenAsync();
        return Messages(await scope.FetchAllAsync<dynamic>("SHOW WARNINGS"));
    }

    private static string Messages(IEnumerable<dynamic> rows) =>
        string.Join("; ", rows.Select(static row => (string) ((IDictionary<string, object>) row)["Message"]));
}
