using MySqlConnector;
using SqlHelpers.Testing;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// The node states SqlHelper keeps scopes away from, staged on the real cluster: a desynced node, a majority lost at once
/// (the survivor non-primary), and the statistics and warm-up over every node rather than the first.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterNodeStateTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private MySqlTestCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => fixture.EnsureWholeAsync();

    public Task DisposeAsync() => fixture.EnsureWholeAsync();

    [Fact]
    public async Task Open_NodeDesynced_ScopesAvoidItAfterACheck_ResyncedItServesAgain()
    {
        await using var db = ClusterRoutingTests.NewHelper(Cluster.Nodes.Select(node => node.ConnectionString), checkInterval: TimeSpan.FromMinutes(10));
        var node2 = Cluster.Nodes[1];
        try
        {
            // Given node2 desynced (as a donor or a node under maintenance is), and one check since
            await SetDesyncAsync(node2, on: true);
            await db.CheckReplicasAsync();

            // Then no new scope goes to it, and the statistics count two available nodes
            Assert.DoesNotContain("node2", await ClusterRoutingTests.NodeNamesAsync(db, 9));
            Assert.Equal(2, db.GetStatistics().AvailableClusterNodes);

            // When it is synced again (it passes through Joined while it catches up) and checked, it serves scopes again
            await SetDesyncAsync(node2, on: false);
            await node2.WaitForStatusAsync(static status => status.IsSynced, "become synced after wsrep_desync was turned off");
            await db.CheckReplicasAsync();
            Assert.Contains("node2", await ClusterRoutingTests.NodeNamesAsync(db, 9));
            Assert.Equal(3, db.GetStatistics().AvailableClusterNodes);
        }
        finally
        {
            await SetDesyncAsync(node2, on: false);
        }
    }

    [Fact]
    public async Task Open_TwoOfThreeNodesKilled_LastNodeNonPrimary_FailsNamingEachNodeAndWritesNothing()
    {
        var table = "k_" + Guid.NewGuid().ToString("N")[..12];
        await ClusterFixture.ScalarAsync(Cluster.Nodes[0].ConnectionString, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        await using var db = ClusterRoutingTests.NewHelper(Cluster.Nodes.Select(node => node.ConnectionString));
        try
        {
            // Given node1 and node2 killed at once: node3 alone has no quorum and leaves the primary component
            await Task.WhenAll(Cluster.Nodes[0].KillAsync(), Cluster.Nodes[1].KillAsync());
            await Cluster.Nodes[2].WaitForStatusAsync(static status => !status.IsPrimary, "leave the primary component after the two other nodes were killed");
            await db.CheckReplicasAsync();

            // When a scope is opened to write
            var error = await Assert.ThrowsAsync<SqlClusterUnavailableException>(async () =>
            {
                await using var scope = await db.OpenAsync();
                await scope.ExecuteAsync($"INSERT INTO {table} VALUES (1)");
            });

            // Then it fails before sending anything, naming each node and why it was skipped, in one readable sentence
            output.WriteLine(error.Message);
            Assert.Equal(3, error.Reasons.Count);
            Assert.Contains("unreachable", error.Reasons[0], StringComparison.Ordinal);
            Assert.Contains("unreachable", error.Reasons[1], StringComparison.Ordinal);
            Assert.Contains("not in the primary component", error.Reasons[2], StringComparison.Ordinal);
            Assert.DoesNotContain(". ;", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("..", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, db.GetStatistics().AvailableClusterNodes);
            Assert.Equal(0, db.GetStatistics().HeldConnections);
        }
        finally
        {
            await fixture.EnsureWholeAsync();
        }
        Assert.Equal(0L, Convert.ToInt64(await ClusterFixture.ScalarAsync(Cluster.Nodes[0].ConnectionString, $"SELECT COUNT(*) FROM {table}", causal: true), System.Globalization.CultureInfo.InvariantCulture));
        await ClusterFixture.ScalarAsync(Cluster.Nodes[0].ConnectionString, $"DROP TABLE {table}");
    }

    [Fact]
    public async Task GetStatistics_ScopesOnEveryNode_HeldConnectionsCountsThemAll()
    {
        await using var db = ClusterRoutingTests.NewHelper(Cluster.Nodes.Select(node => node.ConnectionString));
        await db.CheckReplicasAsync();

        // Given six scopes held at once, spread round robin over the three nodes
        var scopes = new List<SqlScope>();
        try
        {
            var names = new HashSet<string>();
            for (var i = 0; i < 6; i++)
            {
                var scope = await db.OpenAsync(ScopeOption.RequiresNew);
                scopes.Add(scope);
                names.Add(await ClusterRoutingTests.NodeNameAsync(scope));
            }
            Assert.Equal(3, names.Count);

            // Then the statistics count every held connection, not only the first node's
            var statistics = db.GetStatistics();
            Assert.Equal(6, statistics.HeldConnections);
            Assert.Equal(3, statistics.AvailableClusterNodes);
            Assert.Contains("6/10 per node held", db.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            for (var i = scopes.Count - 1; i >= 0; i--)
                await scopes[i].DisposeAsync();
        }
        Assert.Equal(0, db.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task WarmUp_OneNodeUnreachable_WarmsTheOthersAndMarksItDown_AllUnreachable_Throws()
    {
        // Given a helper whose first node does not exist, with idle connections wanted; its sessions are told apart from
        // every other test's (some may still be closing) by their default database, which no other test uses
        string[] nodes = ["Server=127.0.0.9;Port=1;Database=x;User ID=u;Password=secret",
            .. Cluster.Nodes.Skip(1).Select(node => new MySqlConnectionStringBuilder(node.ConnectionString) { Database = "information_schema" }.ConnectionString)];
        await using var db = ClusterRoutingTests.NewHelper(nodes, checkInterval: TimeSpan.FromMinutes(10), minIdle: 3);

        // When it warms up, then the reachable nodes are warmed (three idle connections each; the health check's connection is one), and the dead one is skipped by scopes at once
        await db.WarmUpAsync();
        var sessions = await Task.WhenAll(Cluster.Nodes.Skip(1).Select(HelperSessionsAsync));
        Assert.All(sessions, count => Assert.True(count >= 3, $"warm-up left {count} connection(s) on a reachable node, not 3"));
        Assert.Equal(2, db.GetStatistics().AvailableClusterNodes);
        await using (var scope = await db.OpenAsync())
            Assert.NotEqual("node1", await ClusterRoutingTests.NodeNameAsync(scope));

        // And a helper with no reachable node fails its warm-up with the driver's error
        await using var dead = ClusterRoutingTests.NewHelper(["Server=127.0.0.9;Port=1;Database=x;User ID=u;Password=secret"], checkInterval: TimeSpan.FromMinutes(10), minIdle: 1);
        Assert.Throws<MySqlException>(() => dead.WarmUp());
    }

    private async Task<long> HelperSessionsAsync(MySqlTestClusterNode node) => Convert.ToInt64(
        await ClusterFixture.ScalarAsync(node.AdminConnectionString, $"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{Cluster.UserName}' AND DB = 'information_schema'"),
        System.Globalization.CultureInfo.InvariantCulture);

    private static async Task SetDesyncAsync(MySqlTestClusterNode node, bool on)
    {
        await using var connection = await ClusterFixture.OpenAsync(node.AdminConnectionString);
        await using var command = new MySqlCommand($"SET GLOBAL wsrep_desync = {(on ? "ON" : "OFF")}", connection);
        await command.ExecuteNonQueryAsync();
    }
}
