using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// MySqlTestCluster against real MariaDB Galera nodes: replication, a killed node, an isolated node, the multi-host
/// connection string. Every test starts from a whole, synced cluster and leaves it whole again. Timings are written to
/// the test output, never asserted. Every wait is bounded by the cluster's OperationTimeout or a connection timeout.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TestClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private MySqlTestCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        output.WriteLine($"Cluster: {Cluster.Describe()}; it started and synced in {fixture.StartDuration.TotalSeconds:0.00} s.");
        await fixture.EnsureWholeAsync();
    }

    public Task DisposeAsync() => fixture.EnsureWholeAsync();

    [Fact]
    public async Task Start_FormsASyncedClusterOfThreeNodes_WithAnAppUserWithoutProcess()
    {
        Assert.Equal(3, Cluster.Nodes.Count);
        foreach (var node in Cluster.Nodes)
        {
            var status = await node.GetStatusAsync();
            Assert.True(status.IsSynced, $"{node.Name}: {status}");
            Assert.Equal(3, status.ClusterSize);
            Assert.Equal("Primary", status.ClusterStatus);
            Assert.Equal(MySqlTestClusterNodeStatus.SyncedState, status.LocalState);
            Assert.Equal(node.Name, await ClusterFixture.ScalarAsync(node.ConnectionString, "SELECT @@wsrep_node_name"));
        }
        var grants = await ClusterFixture.ScalarAsync(Cluster.Nodes[1].ConnectionString, "SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM information_schema.USER_PRIVILEGES");
        Assert.DoesNotContain("PROCESS", grants as string ?? "", StringComparison.Ordinal);
        Assert.Equal(1L, Convert.ToInt64(await ClusterFixture.ScalarAsync(Cluster.Nodes[2].AdminConnectionString, "SELECT @@wsrep_on"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Write_OnNode1_IsReadableOnNodes2And3()
    {
        var table = NewTableName();
        var node1 = Cluster.Nodes[0].ConnectionString;
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(50) NOT NULL)");
        try
        {
            await ClusterFixture.ScalarAsync(node1, $"INSERT INTO {table} VALUES (1, 'written on node1')");

            foreach (var node in Cluster.Nodes.Skip(1))
                Assert.Equal("written on node1", await ClusterFixture.ScalarAsync(node.ConnectionString, $"SELECT v FROM {table} WHERE id = 1", causal: true));
        }
        finally
        {
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Fact]
    public async Task KillNode3_SurvivorsStayPrimaryWithTwoNodes_RestartSyncsItAndItCatchesUp()
    {
        var table = NewTableName();
        var node1 = Cluster.Nodes[0].ConnectionString;
        var node3 = Cluster.Nodes[2];
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        try
        {
            // Given a node killed with SIGKILL
            var watch = Stopwatch.StartNew();
            await node3.KillAsync();
            Assert.False(node3.IsRunning);

            // When the survivors have evicted it
            await Cluster.WaitUntilSyncedAsync();
            var detection = watch.Elapsed;

            // Then they form a primary component of two, and take writes
            foreach (var survivor in Cluster.Nodes.Take(2))
            {
                var status = await survivor.GetStatusAsync();
                Assert.Equal(2, status.ClusterSize);
                Assert.True(status.IsPrimary, $"{survivor.Name}: {status}");
                Assert.True(status.IsSynced, $"{survivor.Name}: {status}");
            }
            await ClusterFixture.ScalarAsync(node1, $"INSERT INTO {table} VALUES (3)");

            // When it restarts, it syncs and has the write it missed
            watch.Restart();
            await node3.RestartAsync();
            var restart = watch.Elapsed;
            var back = await node3.GetStatusAsync();
            Assert.True(back.IsSynced, back.ToString());
            Assert.Equal(3, back.ClusterSize);
            Assert.Equal(1L, Convert.ToInt64(await ClusterFixture.ScalarAsync(node3.ConnectionString, $"SELECT COUNT(*) FROM {table} WHERE id = 3", causal: true), System.Globalization.CultureInfo.InvariantCulture));
            output.WriteLine($"Kill -9 of node3 to the survivors synced at size 2: {detection.TotalSeconds:0.00} s; restart (wsrep-recover + IST) to synced at size 3: {restart.TotalSeconds:0.00} s.");
        }
        finally
        {
            await fixture.EnsureWholeAsync();
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Fact]
    public async Task IsolateNode2_ItIsNonPrimaryAndRefusesWrites_HealSyncsIt()
    {
        var table = NewTableName();
        var node1 = Cluster.Nodes[0].ConnectionString;
        var node2 = Cluster.Nodes[1];
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        try
        {
            // Given node2 cut off from the others
            var watch = Stopwatch.StartNew();
            await node2.IsolateAsync();
            var isolation = watch.Elapsed;

            // Then it is out of the primary component, and the others go on without it
            Assert.True(node2.IsIsolated);
            var status = await node2.GetStatusAsync();
            Assert.False(status.IsPrimary, status.ToString());
            Assert.Equal("non-Primary", status.ClusterStatus);
            Assert.False(status.IsReady);
            foreach (var other in new[] { Cluster.Nodes[0], Cluster.Nodes[2] })
                Assert.Equal(2, (await other.GetStatusAsync()).ClusterSize);

            // And a write on it fails with ER_UNKNOWN_COM_ERROR (1047): "WSREP has not yet prepared node for application use"
            var error = await Assert.ThrowsAsync<MySqlException>(() => ClusterFixture.ScalarAsync(node2.ConnectionString, $"INSERT INTO {table} VALUES (2)"));
            Assert.Equal(1047, error.Number);
            Assert.Equal(MySqlErrorCode.UnknownCommand, error.ErrorCode);
            output.WriteLine($"A write on the isolated node: error {error.Number} (SQLSTATE {error.SqlState}): {error.Message}");

            // When it is healed, it syncs again and takes writes
            watch.Restart();
            await node2.HealAsync();
            var heal = watch.Elapsed;
            Assert.False(node2.IsIsolated);
            var healed = await node2.GetStatusAsync();
            Assert.True(healed.IsSynced, healed.ToString());
            Assert.Equal(3, healed.ClusterSize);
            await ClusterFixture.ScalarAsync(node2.ConnectionString, $"INSERT INTO {table} VALUES (2)");
            Assert.Equal(1L, Convert.ToInt64(await ClusterFixture.ScalarAsync(node1, $"SELECT COUNT(*) FROM {table}", causal: true), System.Globalization.CultureInfo.InvariantCulture));
            output.WriteLine($"Isolation to non-Primary and the others synced at size 2: {isolation.TotalSeconds:0.00} s; heal to synced at size 3: {heal.TotalSeconds:0.00} s.");
        }
        finally
        {
            await fixture.EnsureWholeAsync();
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Fact]
    public async Task MultiHostConnectionString_ReachesANodeOfTheCluster()
    {
        Assert.Contains("127.0.0.1,127.0.0.2,127.0.0.3", new MySqlConnectionStringBuilder(Cluster.ConnectionString).Server, StringComparison.Ordinal);

        var name = await ClusterFixture.ScalarAsync(Cluster.ConnectionString, "SELECT @@wsrep_node_name");

        Assert.Contains(name as string, Cluster.Nodes.Select(node => node.Name));
        Assert.Equal(Cluster.Database, await ClusterFixture.ScalarAsync(Cluster.AdminConnectionString, "SELECT DATABASE()"));
    }

    [Fact]
    public async Task StopNode1_FailOverConnectionString_ReachesNode2_RestartSyncsIt()
    {
        var node1 = Cluster.Nodes[0];
        try
        {
            // Given node1 stopped gracefully: it leaves at once
            await node1.StopAsync();
            Assert.False(node1.IsRunning);
            await Cluster.WaitUntilSyncedAsync();
            Assert.Equal(2, (await Cluster.Nodes[1].GetStatusAsync()).ClusterSize);

            // When a client uses the multi-host string in fail-over mode, it gets the first node that answers
            var name = await ClusterFixture.ScalarAsync(Cluster.ConnectionString + ";LoadBalance=FailOver", "SELECT @@wsrep_node_name");
            Assert.Equal("node2", name);

            // Then node1 comes back synced
            var watch = Stopwatch.StartNew();
            await node1.RestartAsync();
            Assert.True((await node1.GetStatusAsync()).IsSynced);
            Assert.Equal("node1", await ClusterFixture.ScalarAsync(Cluster.ConnectionString + ";LoadBalance=FailOver", "SELECT @@wsrep_node_name"));
            output.WriteLine($"Restart of a gracefully stopped node to synced at size 3: {watch.Elapsed.TotalSeconds:0.00} s.");
        }
        finally
        {
            await fixture.EnsureWholeAsync();
        }
    }

    [Fact]
    public async Task DisposeAsync_OfASecondTwoNodeCluster_StopsEveryNodeAndDeletesItsFolder()
    {
        // Given a second, smaller cluster (the templates are made: this is the start time of any later cluster)
        var watch = Stopwatch.StartNew();
        var second = await MySqlTestCluster.StartAsync(new MySqlTestClusterOptions { NodeCount = 2 });
        var start = watch.Elapsed;
        var folders = second.Nodes.Select(node => Path.GetDirectoryName(node.DataDirectory)!).ToList();
        try
        {
            Assert.Equal(2, second.Nodes.Count);
            Assert.Equal(2, (await second.Nodes[1].GetStatusAsync()).ClusterSize);
            Assert.NotEqual(Cluster.ClusterName, second.ClusterName);
            Assert.All(folders, folder => Assert.True(Directory.Exists(folder), folder));
        }
        finally
        {
            // When it is disposed
            await second.DisposeAsync();
        }

        // Then its nodes are gone, folders and all, and the shared cluster is untouched
        Assert.All(folders, folder => Assert.False(Directory.Exists(folder), folder));
        Assert.All(second.Nodes, node => Assert.False(node.IsRunning));
        await Assert.ThrowsAsync<MySqlException>(() => ClusterFixture.ScalarAsync(second.Nodes[0].ConnectionString, "SELECT 1"));
        Assert.Equal(3, (await Cluster.Nodes[0].GetStatusAsync()).ClusterSize);
        output.WriteLine($"A second cluster (2 nodes, templates made) started and synced in {start.TotalSeconds:0.00} s.");
    }

    [Fact]
    public async Task StartAsync_NodeCountOutOfRange_ThrowsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => MySqlTestCluster.StartAsync(new MySqlTestClusterOptions { NodeCount = 0 }));
        Assert.Contains("NodeCount", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => MySqlTestCluster.StartAsync(new MySqlTestClusterOptions { NodeCount = MySqlTestCluster.MaxNodeCount + 1 }));
    }

    [Fact]
    public async Task StartAsync_GaleraProviderMissing_FailsWithAMessageThatSaysWhatToInstall()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => MySqlTestCluster.StartAsync(new MySqlTestClusterOptions { ProviderPath = "/nonexistent/libgalera_smm.so" }));

        Assert.Contains("/nonexistent/libgalera_smm.so does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y mariadb-server galera-4 rsync", error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
    }

    private static string NewTableName() => "c_" + Guid.NewGuid().ToString("N")[..12];
}
