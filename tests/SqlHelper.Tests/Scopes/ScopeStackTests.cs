using System.Collections.Concurrent;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Scopes;

[Collection(DatabaseCollection.Name)]
public sealed class ScopeStackTests(DatabaseFixture db)
{
    private const string ConnectionIdSql = "SELECT CONNECTION_ID()";

    [Fact]
    public void Open_Nested_EachScopeHasItsOwnConnectionAndDisposalUnwindsLifo()
    {
        using var helper = db.CreateHelper();
        Assert.Null(helper.Current);
        Assert.Equal(0, helper.Depth);

        using (var c1 = helper.Open())
        {
            Assert.Same(c1, helper.Current);
            Assert.Equal(1, c1.Depth);
            var id1 = c1.ExecuteScalar<long>(ConnectionIdSql);
            using (var c2 = helper.Open())
            {
                Assert.Same(c2, helper.Current);
                Assert.Equal(2, helper.Depth);
                var id2 = c2.ExecuteScalar<long>(ConnectionIdSql);
                using (var c3 = helper.Open())
                {
                    Assert.Equal(3, helper.Depth);
                    var id3 = helper.ExecuteScalar<long>(ConnectionIdSql);   // runs on Current == c3
                    Assert.Equal(id3, c3.ExecuteScalar<long>(ConnectionIdSql));
                    Assert.Equal(3, new HashSet<long> { id1, id2, id3 }.Count);
                }
                Assert.Same(c2, helper.Current);
                Assert.Equal(id2, helper.ExecuteScalar<long>(ConnectionIdSql));
            }
            Assert.Same(c1, helper.Current);
            Assert.Equal(id1, helper.ExecuteScalar<long>(ConnectionIdSql));
        }
        Assert.Null(helper.Current);
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task OpenAsync_Awaited_LeavesScopeCurrentInTheCaller()
    {
        await using var helper = db.CreateHelper();
        await using var outer = await helper.OpenAsync();
        Assert.Same(outer, helper.Current);
        await Task.Yield();
        Assert.Same(outer, helper.Current);

        await using (var inner = await helper.OpenAsync())
        {
            Assert.Same(inner, helper.Current);
            Assert.Equal(2, helper.Depth);
            Assert.NotEqual(
                await outer.ExecuteScalarAsync<long>(ConnectionIdSql),
                await helper.ExecuteScalarAsync<long>(ConnectionIdSql));
        }
        Assert.Same(outer, helper.Current);
    }

    [Fact]
    public async Task OpenAsync_InsideAnAsyncMethod_PushIsUndoneWhenThatMethodReturns()
    {
        // Documents the AsyncLocal rule: a scope opened inside an async method is Current only inside it.
        await using var helper = db.CreateHelper();
        SqlScope? seenInside = null;

        async Task<SqlScope> OpenInsideAsync()
        {
            var scope = await helper.OpenAsync();
            seenInside = helper.Current;
            return scope;
        }

        var scope = await OpenInsideAsync();
        Assert.Same(scope, seenInside);
        Assert.Null(helper.Current);
        await scope.DisposeAsync();
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
        Assert.Equal(0, helper.GetStatistics().MisnestedDisposals);
    }

    [Fact]
    public async Task ParallelFlows_NestingThreeDeep_NeverSeeEachOtherAndNeverShareAConnection()
    {
        await using var helper = db.CreateHelper(o => o.MaxConnections = 100);
        var liveConnections = new ConcurrentDictionary<long, int>();
        var violations = new ConcurrentQueue<string>();

        async Task FlowAsync(int flow)
        {
            var scopes = new List<SqlScope>();
            for (var depth = 1; depth <= 3; depth++)
            {
                var scope = await helper.OpenAsync();
                scopes.Add(scope);
                await Task.Delay(Random.Shared.Next(1, 5));
                if (!ReferenceEquals(helper.Current, scope) || helper.Depth != depth)
                    violations.Enqueue($"flow {flow}: Current is not its own scope at depth {depth}");
                var id = await helper.ExecuteScalarAsync<long>(ConnectionIdSql);
                if (!liveConnections.TryAdd(id, flow))
                    violations.Enqueue($"flow {flow}: connection {id} is also held by flow {liveConnections[id]}");
            }
            for (var depth = 3; depth >= 1; depth--)
            {
                var scope = scopes[depth - 1];
                if (!ReferenceEquals(helper.Current, scope))
                    violations.Enqueue($"flow {flow}: Current changed under it at depth {depth}");
                liveConnections.TryRemove(scope.Connection.ServerThread, out _);
                await scope.DisposeAsync();
                await Task.Yield();
            }
            if (helper.Current is not null)
                violations.Enqueue($"flow {flow}: a scope is still current after unwinding");
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => FlowAsync(i))));

        Assert.Empty(violations);
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
        Assert.Equal(96, helper.GetStatistics().ScopesOpened);
    }

    [Fact]
    public async Task ChildFlow_SeesParentScope_AndItsOwnScopesNeverReachTheParent()
    {
        await using var helper = db.CreateHelper();
        await using var parent = await helper.OpenAsync();
        var childOpened = new TaskCompletionSource();
        var parentLooked = new TaskCompletionSource();
        SqlScope? seenByChild = null;
        SqlScope? childScope = null;

        var child = Task.Run(async () =>
        {
            seenByChild = helper.Current;
            childScope = await helper.OpenAsync();
            childOpened.SetResult();
            await parentLooked.Task;
            Assert.Same(childScope, helper.Current);
            Assert.Equal(2, childScope.Depth);
            await childScope.DisposeAsync();
            Assert.Same(parent, helper.Current);
        });

        await childOpened.Task;
        Assert.Same(parent, helper.Current);        // during
        parentLooked.SetResult();
        await child;
        Assert.Same(parent, seenByChild);
        Assert.Same(parent, helper.Current);        // after
        Assert.Equal(1, helper.Depth);
    }

    [Fact]
    public async Task Open_WrongPassword_ThrowsAndLeavesStackAndCountsAsTheyWere()
    {
        await using var helper = db.CreateHelper();
        await using var good = await helper.OpenAsync();
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(db.ConnectionString) { Password = "definitely-wrong-pw-4711" };
        await using var bad = new SqlHelper(builder.ConnectionString);

        var ex = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(async () => await bad.OpenAsync());
        Assert.DoesNotContain("definitely-wrong-pw-4711", ex.ToString(), StringComparison.Ordinal);
        Assert.Throws<MySqlConnector.MySqlException>(() => bad.Open());
        Assert.Null(bad.Current);
        Assert.Equal(0, bad.Depth);
        Assert.Equal(0, bad.GetStatistics().OpenScopes);
        Assert.Equal(0, bad.GetStatistics().HeldConnections);
        Assert.Same(good, helper.Current);
    }

    [Fact]
    public async Task Open_UnreachableServer_FailsWithinConnectTimeoutAndHoldsNothing()
    {
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(db.ConnectionString) { Port = (uint) FreeTcpPort(), ConnectionTimeout = 2 };
        await using var helper = new SqlHelper(builder.ConnectionString);
        await using var outer = await db.CreateHelper().OpenAsync();

        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<MySqlConnector.MySqlException>(async () => await helper.OpenAsync());
        Assert.Throws<MySqlConnector.MySqlException>(() => helper.Open());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Null(helper.Current);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task OpenAsync_CancelledToken_ThrowsAndLeavesStackAsItWas()
    {
        await using var helper = db.CreateHelper();
        await using var outer = await helper.OpenAsync();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await helper.OpenAsync(cts.Token));

        Assert.Same(outer, helper.Current);
        Assert.Equal(1, helper.Depth);
        Assert.Equal(1, helper.GetStatistics().OpenScopes);
        Assert.Equal(1, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task Dispose_OutOfOrder_ReleasesOnceSkipsTheScopeAndCountsMisnesting()
    {
        await using var helper = db.CreateHelper();
        var sessionsBefore = await db.CountUserSessionsAsync();
        var outer = helper.Open();
        var middle = helper.Open();
        var inner = helper.Open();

        middle.Dispose();                                  // out of order: inner is still open
        Assert.True(middle.IsDisposed);
        Assert.Same(inner, helper.Current);
        Assert.Equal(2, helper.GetStatistics().OpenScopes);
        Assert.Equal(1, helper.GetStatistics().MisnestedDisposals);
        Assert.Equal(1L, inner.ExecuteScalar<long>("SELECT 1"));   // the scope above stays usable

        inner.Dispose();
        Assert.Same(outer, helper.Current);                // middle is skipped
        middle.Dispose();                                  // second dispose: no-op
        outer.Dispose();
        outer.Dispose();
        Assert.Null(helper.Current);
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(1, stats.MisnestedDisposals);
        await helper.ClearPoolAsync();
        Assert.Equal(sessionsBefore, await db.WaitForUserSessionsAsync(sessionsBefore));
    }

    [Fact]
    public async Task Dispose_FromAnotherFlow_ReleasesTheConnectionAndOwnerSkipsIt()
    {
        await using var helper = db.CreateHelper();
        using var outer = helper.Open();
        var inner = helper.Open();

        await Task.Run(() => inner.Dispose());

        Assert.True(inner.IsDisposed);
        Assert.Same(outer, helper.Current);
        Assert.Equal(1, helper.GetStatistics().OpenScopes);
        using var again = helper.Open();
        Assert.Equal(2, again.Depth);
    }

    [Fact]
    public async Task UseAfterDispose_ThrowsObjectDisposedException()
    {
        using var helper = db.CreateHelper();
        var scope = helper.Open();
        scope.Dispose();

        Assert.Throws<ObjectDisposedException>(() => scope.Connection);
        Assert.Throws<ObjectDisposedException>(() => scope.Command);
        Assert.Throws<ObjectDisposedException>(() => scope.Execute("SELECT 1"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => scope.FetchAllAsync<int>("SELECT 1"));
        helper.Dispose();
        Assert.Throws<ObjectDisposedException>(() => helper.Open());
        Assert.Throws<ObjectDisposedException>(() => helper.FetchOne<int>("SELECT 1"));
    }

    [Fact]
    public void Command_IsTheScopesOwnCursorOnItsConnection()
    {
        using var helper = db.CreateHelper();
        using var scope = helper.Open();
        Assert.Same(scope.Command, scope.Command);
        Assert.Same(scope.Connection, scope.Command.Connection);
        scope.Command.CommandText = "SELECT 40 + 2";
        Assert.Equal(42L, Convert.ToInt64(scope.Command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task PerInstanceMode_ScopesOwnTheirConnectionsAndNothingIsAmbient()
    {
        await using var helper = db.CreateHelper(o => o.Mode = ScopeMode.PerInstance);
        using var a = helper.Open();
        using var b = await helper.OpenAsync();
        Assert.Null(helper.Current);
        Assert.Equal(0, helper.Depth);
        Assert.Equal(1, a.Depth);
        Assert.Equal(1, b.Depth);
        var ids = new[] { a.ExecuteScalar<long>(ConnectionIdSql), b.ExecuteScalar<long>(ConnectionIdSql), helper.ExecuteScalar<long>(ConnectionIdSql) };
        Assert.Equal(3, ids.Distinct().Count());            // the helper's own call used a short-lived third connection
        Assert.Equal(2, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public void Dispose_ReturnsConnectionWithItsSessionReset()
    {
        using var helper = db.CreateHelper(o => o.MaxConnections = 1);
        long firstId;
        using (var a = helper.Open())
        {
            firstId = a.ExecuteScalar<long>(ConnectionIdSql);
            a.Execute("SET @leak = 'from a'");
        }
        using var b = helper.Open();
        Assert.Equal(firstId, b.ExecuteScalar<long>(ConnectionIdSql));
        Assert.Null(b.ExecuteScalar<string>("SELECT @leak"));
    }

    [Fact]
    public void ToStringAndMessages_NeverShowThePassword()
    {
        using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.Blocking = false; });
        using var scope = helper.Open();
        Assert.DoesNotContain(db.Server.Password, helper.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(db.Server.Password, scope.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(db.Server.Password, helper.GetStatistics().ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(db.Server.Password, helper.Options.ToString() ?? "", StringComparison.Ordinal);
        var thread = new Thread(() =>
        {
            var ex = Assert.Throws<SqlPoolExhaustedException>(() => helper.Open());
            Assert.DoesNotContain(db.Server.Password, ex.ToString(), StringComparison.Ordinal);
        });
        thread.Start();
        thread.Join();
    }

    internal static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint) listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
