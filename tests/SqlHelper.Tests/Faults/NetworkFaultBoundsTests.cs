using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Faults;

/// <summary>
/// Issue #14's promise, fault by fault through <see cref="MySqlFaultProxy"/> in front of the real server: every call
/// returns or throws within the time its options give, and the pool is whole again once the network heals (no open
/// scope, the server's session count back to its baseline after <see cref="SqlHelper.ClearPool"/>).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class NetworkFaultBoundsTests(DatabaseFixture db)
{
    private const int ConnectTimeoutSeconds = 2;
    private const int CommandTimeoutSeconds = 2;
    private const int CancellationTimeoutSeconds = 1;
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);   // a loaded 2-core machine, never minutes
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);   // the safety net: a test fails, it never hangs

    public static TheoryData<SessionResetPolicy> Policies => new() { SessionResetPolicy.Always, SessionResetPolicy.WhenDirty };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Open_AgainstABlackholeOrASilentServer_ThrowsWithinConnectTimeout(bool neverGreet)
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        if (neverGreet)
            proxy.NeverGreet();
        else
            proxy.Blackhole();
        await using var helper = CreateHelper(proxy);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<MySqlException>(() => Task.Run(() => helper.Open()).WaitAsync(Hang));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(ConnectTimeoutSeconds) + Slack);

        watch.Restart();
        await Assert.ThrowsAsync<MySqlException>(async () => await helper.OpenAsync().AsTask().WaitAsync(Hang));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(ConnectTimeoutSeconds) + Slack);
        AssertNothingOpen(helper);
    }

    [Fact]
    public async Task OpenAsync_Cancelled_WhileTheServerNeverGreets_ReturnsAtOnce()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        proxy.NeverGreet();
        await using var helper = CreateHelper(proxy, connectTimeout: 30);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await helper.OpenAsync(cts.Token).AsTask().WaitAsync(Hang));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromMilliseconds(200) + Slack);   // not Connect Timeout (30 s)
        AssertNothingOpen(helper);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task StatementWhoseConnectionGoesSilent_FailsWithinCommandPlusCancellationTimeout_AndIsDiscarded(SessionResetPolicy policy)
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        await using (var helper = CreateHelper(proxy, policy: policy))
        {
            await using (var scope = await helper.OpenAsync())
            {
                // A first statement, so that under WhenDirty nothing else (the empty-the-warnings statement sent before a
                // scope's first statement that uses no table) is in flight when the network goes silent.
                Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
                var query = scope.ExecuteScalarAsync<long>("SELECT SLEEP(1) + 1");
                proxy.Blackhole();
                var watch = Stopwatch.StartNew();
                var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() => query.WaitAsync(Hang));
                Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(CommandTimeoutSeconds + CancellationTimeoutSeconds + ConnectTimeoutSeconds) + Slack);
                Assert.True(ex.OutcomeUnknown);
                Assert.Contains($"{proxy.Host}:{proxy.Port}", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("assword", ex.Message, StringComparison.Ordinal);
            }
            proxy.Heal();
            proxy.ResetAllConnections();   // what the healed network does to the half-open leftovers
            await using (var next = await helper.OpenAsync().AsTask().WaitAsync(Hang))
                Assert.Equal(2L, await next.ExecuteScalarAsync<long>("SELECT 2").WaitAsync(Hang));
            AssertNothingOpen(helper);
            await helper.ClearPoolAsync();
        }
        Assert.Equal(baseline, await db.WaitForUserSessionsAsync(baseline));
    }

    [Fact]
    public async Task ResetInTheMiddleOfALargeResult_FailsClearly_AndTheNextScopeWorks()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        await using var helper = CreateHelper(proxy);
        await using (var scope = await helper.OpenAsync())
        {
            proxy.CloseAfterBytes(ProxyDirection.Downstream, 256 * 1024);   // the reset lands mid-result
            var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() =>
                scope.FetchAllAsync<long>("SELECT seq FROM seq_1_to_1000000").WaitAsync(Hang));
            Assert.True(ex.OutcomeUnknown);
        }
        proxy.Heal();
        await using (var next = await helper.OpenAsync().AsTask().WaitAsync(Hang))
            Assert.Equal(1000L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM seq_1_to_1000").WaitAsync(Hang));
        AssertNothingOpen(helper);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task IdlePooledConnectionsForgottenByTheNetwork_DoNotHangTheNextScopes(SessionResetPolicy policy)
    {
        var logs = new CapturingLoggerFactory();
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        await using var helper = CreateHelper(proxy, policy: policy, configure: o => { o.LoggerFactory = logs; o.PingAfterIdle = TimeSpan.FromMilliseconds(100); });
        await using (var warm = await helper.OpenAsync())
            await warm.ExecuteScalarAsync<long>("SELECT 1");
        // The window applies to every connection through the proxy, the replacement too: it must be far longer than any
        // pause between the replacement's handshake and its first statement on a loaded machine (300 ms was not).
        proxy.ForgetIdleConnections(TimeSpan.FromSeconds(1.5));
        await Task.Delay(3000);   // the pooled connection is now forgotten: nothing it sends arrives

        var watch = Stopwatch.StartNew();
        await using (var scope = await helper.OpenAsync().AsTask().WaitAsync(Hang))
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1").WaitAsync(Hang));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(ConnectTimeoutSeconds + CommandTimeoutSeconds + CancellationTimeoutSeconds) + Slack);
        if (policy == SessionResetPolicy.WhenDirty)
        {
            Assert.Equal(1, helper.GetStatistics().DeadConnectionsReplaced);
            Assert.Single(logs.WithEventId(2010));   // says what it did
        }
        AssertNothingOpen(helper);
    }

    [Fact]
    public async Task Latency20MsBothWays_EverythingStillCorrect_NoTimeouts()
    {
        await using var table = await db.CreateTableAsync();
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        proxy.SetLatency(ProxyDirection.Both, TimeSpan.FromMilliseconds(20));
        await using var helper = CreateHelper(proxy, configure: o => o.MaxConnections = 4);

        await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(async () =>
        {
            await using var scope = await helper.OpenAsync();
            await scope.ExecuteAsync($"INSERT INTO {table} (id, n) VALUES (@i, @i)", new { i });
            Assert.Equal(i, await scope.ExecuteScalarAsync<int>($"SELECT n FROM {table} WHERE id = @i", new { i }));
        }))).WaitAsync(Hang);

        Assert.Equal(8L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().AcquireTimeouts);
        AssertNothingOpen(helper);
    }

    [Fact]
    public async Task RefusedWhileDown_ThenHealed_ThePoolRefillsAndWarmsUp()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        await using var helper = CreateHelper(proxy, configure: o => o.MinIdle = 2);
        proxy.RefuseNewConnections();
        await Assert.ThrowsAsync<MySqlException>(async () => await helper.OpenAsync().AsTask().WaitAsync(Hang));
        await Assert.ThrowsAsync<MySqlException>(() => helper.WarmUpAsync().WaitAsync(Hang));
        AssertNothingOpen(helper);

        proxy.Heal();
        await helper.WarmUpAsync().WaitAsync(Hang);
        var accepted = proxy.ConnectionsAccepted;
        Assert.True(proxy.ActiveConnections >= 2, proxy.ToString());
        await using (var scope = await helper.OpenAsync().AsTask().WaitAsync(Hang))
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
        Assert.Equal(accepted, proxy.ConnectionsAccepted);   // the scope used a warm connection
    }

    [Fact]
    public async Task ReplicaBehindABlackhole_ReadOnlyScopesFallBackToThePrimaryWithinABound()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        proxy.Blackhole();
        var replica = WithTimeouts(proxy.RewriteConnectionString(db.ConnectionString), ConnectTimeoutSeconds);
        await using var helper = db.CreateHelper(o => { o.ReplicaConnectionStrings = [replica]; o.ReplicaCheckInterval = TimeSpan.FromMinutes(10); });

        var watch = Stopwatch.StartNew();
        await using (var scope = await helper.OpenReadOnlyAsync().AsTask().WaitAsync(Hang))
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(ConnectTimeoutSeconds) + Slack);
        Assert.Equal(1L, helper.GetStatistics().ReplicaFallbacks);
        Assert.False(Assert.Single(helper.GetReplicaStatus()).IsAvailable);
        AssertNothingOpen(helper);
    }

    private SqlHelper CreateHelper(MySqlFaultProxy proxy, int connectTimeout = ConnectTimeoutSeconds, SessionResetPolicy policy = SessionResetPolicy.Always,
        Action<SqlHelperOptions>? configure = null)
    {
        var options = new SqlHelperOptions
        {
            ConnectionString = WithTimeouts(proxy.RewriteConnectionString(db.ConnectionString), connectTimeout),
            MaxConnections = 2,
            SessionReset = policy,
        };
        configure?.Invoke(options);
        return new SqlHelper(options);
    }

    private static string WithTimeouts(string connectionString, int connectTimeout) => new MySqlConnectionStringBuilder(connectionString)
    {
        ConnectionTimeout = (uint) connectTimeout,
        DefaultCommandTimeout = CommandTimeoutSeconds,
        CancellationTimeout = CancellationTimeoutSeconds,
    }.ConnectionString;

    private static void AssertNothingOpen(SqlHelper helper)
    {
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
    }
}
