using System.Diagnostics;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// SqlHelperOptions.ClusterNodes against the real Galera cluster: scopes spread over healthy nodes, an isolated node is
/// skipped (after a check, or at once after its error 1047), a healed node serves again, and with no healthy node the
/// open fails with SqlClusterUnavailableException. Every test starts and ends with a whole, synced cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRoutingTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private MySqlTestCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => fixture.EnsureWholeAsync();

    public Task DisposeAsync() => fixture.EnsureWholeAsync();

    [Fact]
    public async Task Open_ClusterNodes_SpreadsReadWriteAndReadOnlyScopesOverEveryNode()
    {
        await using var db = NewHelper(Cluster.Nodes.Select(node => node.ConnectionString));
        await db.CheckReplicasAsync();

        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            await using var scope = await db.OpenAsync();
            seen.Add(await NodeNameAsync(scope));
            await using var ro = await db.OpenReadOnlyAsync();
            seen.Add(await NodeNameAsync(ro));
        }

        Assert.Equal(["node1", "node2", "node3"], seen.Order());
    }

    [Fact]
    public async Task Open_NodeIsolated_NewScopesAvoidItAfterACheck_HealedAndSynced_ItServesAgain()
    {
        await using var db = NewHelper(Cluster.Nodes.Select(node => node.ConnectionString));
        var node2 = Cluster.Nodes[1];
        try
        {
            // Given node2 cut off from the others, and one health check since
            await node2.IsolateAsync();
            await db.CheckReplicasAsync();

            // Then no new scope goes to it
            var names = await NodeNamesAsync(db, 9);
            Assert.DoesNotContain("node2", names);

            // When it is healed and synced again, and checked
            await node2.HealAsync();
            Assert.True((await node2.GetStatusAsync()).IsSynced);
            await db.CheckReplicasAsync();

            // Then it serves scopes again
            Assert.Contains("node2", await NodeNamesAsync(db, 9));
        }
        finally
        {
            await fixture.EnsureWholeAsync();
        }
    }

    [Fact]
    public async Task Statement_NodeAnswers1047_NodeIsSkippedAtOnceWithoutWaitingForACheck()
    {
        // Given a helper whose periodic check is far away, that has checked once with every node healthy
        var table = "t_" + Guid.NewGuid().ToString("N")[..12];
        await ClusterFixture.ScalarAsync(Cluster.Nodes[0].ConnectionString, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        await using var db = NewHelper(Cluster.Nodes.Select(node => node.ConnectionString), checkInterval: TimeSpan.FromMinutes(10));
        await db.CheckReplicasAsync();
        var node2 = Cluster.Nodes[1];
        try
        {
            // When node2 is isolated and scopes land on it
            await node2.IsolateAsync();
            var refused = 0;
            for (var i = 0; i < 6; i++)
            {
                await using var scope = await db.OpenAsync();
                try
                {
                    await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
                }
                catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.UnknownCommand)
                {
                    refused++;
                }
            }
            Assert.Equal(1, refused);

            // Then no later scope goes to it, though no check ran
            var names = await NodeNamesAsync(db, 9);
            Assert.DoesNotContain("node2", names);
        }
        finally
        {
            await fixture.EnsureWholeAsync();
            await ClusterFixture.ScalarAsync(Cluster.Nodes[0].ConnectionString, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Fact]
    public async Task Open_OnlyANonPrimaryNodeLeft_FailsWithSqlClusterUnavailableException()
    {
        // Given a helper over a node that is down (nothing listens on its address) and node2, isolated from the others
        // (node1 and node3 keep the cluster's quorum)
        var node2 = Cluster.Nodes[1];
        await using var db = NewHelper(["Server=127.0.0.9;Port=1;Database=x;User ID=u;Password=secret", node2.ConnectionString]);
        try
        {
            await node2.IsolateAsync();
            await db.CheckReplicasAsync();

            // When a scope is opened
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<SqlClusterUnavailableException>(async () => await db.OpenAsync());

            // Then it fails at once, naming why each node was skipped, and nothing was written
            Assert.True(error.IsTransient);
            Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
            Assert.Contains("not in the primary component", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
            Assert.Throws<SqlClusterUnavailableException>(() => db.Open());
            output.WriteLine($"{watch.Elapsed.TotalMilliseconds:0} ms: {error.Message}");
        }
        finally
        {
            await fixture.EnsureWholeAsync();
        }
    }

    [Fact]
    public void Validate_ClusterNodesWithConnectionStringOrReplicas_ThrowsArgumentExceptionNamingClusterNodes()
    {
        var both = Assert.Throws<ArgumentException>(() => SqlHelperOptionsValidator.Validate(new SqlHelperOptions { ConnectionString = "Server=a", ClusterNodes = ["Server=b"] }));
        Assert.Equal(nameof(SqlHelperOptions.ClusterNodes), both.ParamName);
        var replicas = Assert.Throws<ArgumentException>(() => SqlHelperOptionsValidator.Validate(new SqlHelperOptions { ClusterNodes = ["Server=b"], ReplicaConnectionStrings = ["Server=c"] }));
        Assert.Equal(nameof(SqlHelperOptions.ClusterNodes), replicas.ParamName);
        var bad = Assert.Throws<ArgumentException>(() => SqlHelperOptionsValidator.Validate(new SqlHelperOptions { ClusterNodes = ["Server=b", "Port=notanumber"] }));
        Assert.Contains("ClusterNodes[1]", bad.Message, StringComparison.Ordinal);
    }

    internal static SqlHelper NewHelper(IEnumerable<string> nodes, TimeSpan? checkInterval = null, bool causal = false, int minIdle = 0) => new(new SqlHelperOptions
    {
        MinIdle = minIdle,
        ClusterNodes = [.. nodes.Select(n => n + ";ConnectionTimeout=3;DefaultCommandTimeout=20")],
        ReplicaCheckInterval = checkInterval ?? TimeSpan.FromSeconds(1),
        MaxConnections = 10,
        AcquireTimeout = TimeSpan.FromSeconds(10),
        CausalReads = causal,
    });

    internal static async Task<string> NodeNameAsync(SqlScope scope) => (await scope.ExecuteScalarAsync<string>("SELECT @@wsrep_node_name"))!;

    internal static async Task<List<string>> NodeNamesAsync(SqlHelper db, int count)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            await using var scope = await db.OpenAsync();
            names.Add(await NodeNameAsync(scope));
        }
        return names;
    }
}
