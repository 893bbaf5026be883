using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Reliability;

/// <summary>
/// Faults injected against the real server. Every test ends by checking that nothing leaked on either side: no open
/// scope in the helper, and after clearing the pool the test user's server sessions back to where they started.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class FaultTests(DatabaseFixture db)
{
    [Fact]
    public async Task KillOfALiveScopesConnectionDuringAQuery_FailsClearly_ScopeDisposes_ConnectionDiscarded()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper(o => o.MaxConnections = 2);
        long killedId;
        await using (var scope = await helper.OpenAsync())
        {
            killedId = scope.Connection.ServerThread;
            var query = scope.ExecuteScalarAsync<long>("SELECT SLEEP(10)");
            await Task.Delay(300);
            await db.KillAsync(killedId);
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() => query);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
            Assert.True(ex.OutcomeUnknown);                       // sent, then lost: never sent again
            Assert.IsType<MySqlException>(ex.InnerException);
        }

        await using (var next = await helper.OpenAsync())
        {
            Assert.NotEqual(killedId, await next.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()"));
        }
        await AssertNothingLeaked(helper, baseline);
    }

    [Fact]
    public async Task KillOfIdlePooledConnections_NextScopesGetHealthyConnectionsFirstTime()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 4; o.ReservedForNested = 0; });
        var scopes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Flows.RunDetached(async () => await helper.OpenAsync())));
        var ids = scopes.Select(s => (long) s.Connection.ServerThread).ToList();
        foreach (var scope in scopes)
            await scope.DisposeAsync();
        foreach (var id in ids)
            await db.KillAsync(id);

        for (var i = 0; i < 8; i++)
        {
            await using var scope = await helper.OpenAsync();
            Assert.DoesNotContain(await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()"), ids);
        }
        await AssertNothingLeaked(helper, baseline);
    }

    [Fact]
    public async Task CancellationOfARunningSleep_ReturnsPromptly_ScopeStaysUsable()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scope.ExecuteScalarAsync<long>("SELECT SLEEP(10)", cancellationToken: cts.Token));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
        }
        await AssertNothingLeaked(helper, baseline);
    }

    [Fact]
    public async Task CommandTimeout_ReturnsPromptly_ScopeDisposable()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = new SqlHelper(db.ConnectionString + ";DefaultCommandTimeout=1");
        await using (var scope = await helper.OpenAsync())
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<MySqlException>(() => scope.ExecuteScalarAsync<long>("SELECT SLEEP(10)"));
            Assert.Equal(MySqlErrorCode.CommandTimeoutExpired, ex.ErrorCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
            Assert.Throws<MySqlException>(() => scope.ExecuteScalar<long>("SELECT SLEEP(10)"));
        }
        await AssertNothingLeaked(helper, baseline);
    }

    [Fact]
    public async Task WaitTimeoutExpiryOfPooledConnections_NextScopeWorks()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 2; o.SessionInit = ["SET SESSION wait_timeout = 1"]; });
        long firstId;
        await using (var scope = await helper.OpenAsync())
            firstId = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
        await Task.Delay(2500);                                   // the server closes the idle session

        await using (var scope = await helper.OpenAsync())
        {
            Assert.NotEqual(firstId, await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()"));
        }
        await AssertNothingLeaked(helper, baseline);
    }

    [Fact]
    public async Task ExceptionInsideAScopeWithATransaction_RollsBackAndReturnsTheConnection()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var scope = await helper.OpenAsync();
            await scope.BeginTransactionAsync();
            await scope.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");
            throw new TimeoutException("the caller gave up");
        });
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        await AssertNothingLeaked(helper, baseline);
    }

    private async Task AssertNothingLeaked(SqlHelper helper, long baselineSessions)
    {
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
        await helper.ClearPoolAsync();
        Assert.Equal(baselineSessions, await db.WaitForUserSessionsAsync(baselineSessions));
    }
}
