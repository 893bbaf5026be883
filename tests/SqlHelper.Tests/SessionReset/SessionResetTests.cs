using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.SessionReset;

[Collection(DatabaseCollection.Name)]
public sealed class SessionResetTests(DatabaseFixture db) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ExecuteAdminAsync($"CREATE TABLE IF NOT EXISTS {StateLeakCorpus.Table} (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        await db.ExecuteAdminAsync("CREATE TABLE IF NOT EXISTS leak_other (id INT)");
        await db.ExecuteAdminAsync("DROP FUNCTION IF EXISTS leak_func");
        await db.ExecuteAdminAsync("CREATE FUNCTION leak_func() RETURNS INT DETERMINISTIC BEGIN SET @from_func = 9; RETURN 1; END");
        await db.ExecuteAdminAsync("DROP PROCEDURE IF EXISTS leak_proc");
        await db.ExecuteAdminAsync("CREATE PROCEDURE leak_proc() BEGIN SET @from_proc = 8; END");
    }

    public async Task DisposeAsync()
    {
        await db.ExecuteAdminAsync($"DROP TABLE IF EXISTS {StateLeakCorpus.Table}, leak_other");
        await db.ExecuteAdminAsync("DROP FUNCTION IF EXISTS leak_func");
        await db.ExecuteAdminAsync("DROP PROCEDURE IF EXISTS leak_proc");
    }

    public static TheoryData<SessionResetPolicy> Policies => new() { SessionResetPolicy.Always, SessionResetPolicy.WhenDirty };

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task StateLeakCorpus_EveryKind_NextScopeOnTheSameConnectionSeesAFreshSession(SessionResetPolicy policy)
    {
        var failures = new List<string>();
        var mariaDb = (await db.ScalarVersionAsync()).Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        var kinds = StateLeakCorpus.All(mariaDb);
        Assert.True(kinds.Count >= 25);
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionReset = policy; o.ValidateParameters = false; });

        foreach (var kind in kinds)
        {
            await db.ExecuteAdminAsync($"DELETE FROM {StateLeakCorpus.Table}");
            string fresh, seen;
            long firstId, secondId;
            using (var baseline = helper.Open())
                fresh = kind.Probe(baseline);
            var resetsBefore = helper.GetStatistics().SessionResets;
            using (var a = helper.Open())
            {
                firstId = a.FetchOne<long>("SELECT CONNECTION_ID()");
                a.Execute(kind.Statement);
            }
            using (var b = helper.Open())
            {
                secondId = b.FetchOne<long>("SELECT CONNECTION_ID()");
                seen = kind.Probe(b);
            }
            if (firstId != secondId)
                failures.Add($"{kind}: scope B got another connection ({secondId} instead of {firstId})");
            if (seen != fresh)
                failures.Add($"{kind}: leaked (fresh '{fresh}', after '{seen}')");
            if (policy == SessionResetPolicy.WhenDirty && helper.GetStatistics().SessionResets == resetsBefore)
                failures.Add($"{kind}: not recognised as dirty");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task WhenDirty_CleanScopesSkipTheResetAndStillSeeSessionInit()
    {
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, c CHAR(20)");
        await db.ExecuteAdminAsync($"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')");
        await using var helper = db.CreateHelper(o =>
        {
            o.MaxConnections = 1;
            o.SessionReset = SessionResetPolicy.WhenDirty;
            o.SessionInit = ["SET @tenant = 42", "SET time_zone = '+00:00'"];
        });
        var resetsOnServer = await ComResetConnectionAsync();
        long? connectionId = null;

        for (var i = 0; i < 20; i++)
        {
            await using var scope = await helper.OpenAsync();
            Assert.Equal(i % 2 == 0 ? "one" : "two", await scope.FetchOneAsync<string>($"SELECT c FROM {table} WHERE id = @id", new { id = 1 + (i % 2) }));
            Assert.Equal("+00:00", await scope.ExecuteScalarAsync<string>("SELECT @@session.time_zone"));
            await scope.ExecuteAsync($"UPDATE {table} SET c = c WHERE id = @id", new { id = 1 });
            var id = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
            Assert.Equal(connectionId ??= id, id);
        }

        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.SessionResets);
        Assert.Equal(20, stats.SessionResetsSkipped);
        Assert.Equal(resetsOnServer, await ComResetConnectionAsync());
        using (var last = helper.Open())
            Assert.Equal(42L, last.ExecuteScalar<long>("SELECT @tenant"));       // never reset, SessionInit still in effect
        Assert.Equal(1, helper.GetStatistics().SessionResets);                    // reading a session variable is not clean
    }

    [Fact]
    public async Task WhenDirty_ADirtyScopeIsResetAndSessionInitRunsAgain()
    {
        await using var helper = db.CreateHelper(o =>
        {
            o.MaxConnections = 1;
            o.SessionReset = SessionResetPolicy.WhenDirty;
            o.SessionInit = ["SET @tenant = 42"];
        });
        using (var a = helper.Open())
            a.Execute("SET @tenant = 7, @other = 1");
        await using (var b = await helper.OpenAsync())
        {
            Assert.Equal(42L, await b.ExecuteScalarAsync<long>("SELECT @tenant"));
            Assert.Null(await b.ExecuteScalarAsync<long?>("SELECT @other"));
            _ = b.Connection;                                                     // touching the connection marks it dirty
        }
        Assert.Equal(2, helper.GetStatistics().SessionResets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WhenDirty_KilledIdleConnection_NeverFailsTheFirstCommand(bool useAsync)
    {
        await using var helper = db.CreateHelper(o =>
        {
            o.MaxConnections = 1;
            o.SessionReset = SessionResetPolicy.WhenDirty;
            o.PingAfterIdle = TimeSpan.Zero;                                      // every reuse is checked before a statement
            o.SessionInit = ["SET time_zone = '+00:00'"];
        });
        long killed;
        using (var a = helper.Open())
            killed = a.ExecuteScalar<long>("SELECT CONNECTION_ID()");
        await db.KillAsync(killed);

        await using var b = await helper.OpenAsync();
        var id = useAsync ? await b.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()") : b.ExecuteScalar<long>("SELECT CONNECTION_ID()");
        Assert.NotEqual(killed, id);
        Assert.Equal("+00:00", b.ExecuteScalar<string>("SELECT @@session.time_zone"));
        Assert.Equal(1, helper.GetStatistics().DeadConnectionsReplaced);
    }

    [Fact]
    public async Task WhenDirty_KilledIdleConnections_AFirstWriteIsProbedNotRetried()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 3; o.ReservedForNested = 0; o.SessionReset = SessionResetPolicy.WhenDirty; o.PingAfterIdle = TimeSpan.Zero; });
        var scopes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Flows.RunDetached(async () => await helper.OpenAsync())));
        var ids = scopes.Select(s => (long) s.Connection.ServerThread).ToList();
        foreach (var scope in scopes)
            await scope.DisposeAsync();
        foreach (var id in ids)
            await db.KillAsync(id);                                               // every pooled connection is dead

        await using (var scope = await helper.OpenAsync())
            Assert.Equal(1, await scope.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)"));
        using (var scope = helper.Open())
            Assert.Equal(1, scope.Execute($"UPDATE {table} SET n = n + 1 WHERE id = 1"));
        Assert.Equal(1L, await db.ScalarAsync($"SELECT n FROM {table} WHERE id = 1"));   // ran once each
    }

    [Fact]
    public async Task WhenDirty_ConnectionKilledAfterTheScopeRanSomething_IsNotRetried()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 2; o.SessionReset = SessionResetPolicy.WhenDirty; });
        await using var scope = await helper.OpenAsync();
        var id = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
        await db.KillAsync(id);
        var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() => scope.ExecuteScalarAsync<long>("SELECT 1"));
        Assert.True(ex.OutcomeUnknown);
        Assert.Equal(0, helper.GetStatistics().DeadConnectionsReplaced);   // used within PingAfterIdle: trusted, and not re-sent
    }

    [Fact]
    public async Task WhenDirty_AWarningOfAStatementMakesACleanScopeDirty_SoTheNextBorrowerCannotReadIt()
    {
        await using var table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {table} (id) VALUES (1), (2)");
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionReset = SessionResetPolicy.WhenDirty; });
        await using (var a = await helper.OpenAsync())
            await a.ExecuteAsync($"DELETE FROM {table} WHERE id = @id", new { id = "1-secret" });   // classified clean; warning 1292 quotes the value
        Assert.Equal(1, helper.GetStatistics().SessionResets);

        await using var b = await helper.OpenAsync();
        Assert.Equal(0L, await b.ExecuteScalarAsync<long>("SELECT @@warning_count"));
    }

    [Fact]
    public async Task WhenDirty_UnderSteadyUse_NoPingIsSent()
    {
        // Four flows on four connections, every one of them new at first: a connection the driver has just opened has not
        // sat idle, and one used within PingAfterIdle is trusted, so nothing is ever pinged.
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 4; o.SessionReset = SessionResetPolicy.WhenDirty; o.PingAfterIdle = TimeSpan.FromMinutes(1); });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await using var scope = await helper.OpenAsync();
                await scope.ExecuteScalarAsync<long>("SELECT 1");
            }
        })));
        Assert.Equal(80, helper.GetStatistics().ScopesOpened);
        Assert.Equal(0, helper.GetStatistics().ConnectionPings);
    }

    private Task<long> ComResetConnectionAsync() =>
        db.ExecuteAdminAsync("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_RESET_CONNECTION'");
}
