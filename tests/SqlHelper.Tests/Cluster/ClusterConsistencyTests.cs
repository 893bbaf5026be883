using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// Write conflicts and causal reads across Galera nodes through SqlHelper: a certification conflict surfaces as error 1213
/// at commit and InTransactionAsync retries it; CausalReads gives read-your-writes on another node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterConsistencyTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private MySqlTestCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => fixture.EnsureWholeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task InTransactionAsync_SameRowUpdatedOnTwoNodes_CertificationConflictsAreRetried_BothIncrementsCount()
    {
        var table = "k_" + Guid.NewGuid().ToString("N")[..12];
        var node1 = Cluster.Nodes[0].ConnectionString;
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY, n INT NOT NULL)");
        await ClusterFixture.ScalarAsync(node1, $"INSERT INTO {table} VALUES (1, 0)");
        try
        {
            // Given two helpers, each on its own node
            await using var a = ClusterRoutingTests.NewHelper([Cluster.Nodes[0].ConnectionString]);
            await using var b = ClusterRoutingTests.NewHelper([Cluster.Nodes[1].ConnectionString]);
            const int perFlow = 20;
            var attempts = 0;

            // When both increment the same row at the same time, in transactions that read then write
            async Task Flow(SqlHelper db)
            {
                for (var i = 0; i < perFlow; i++)
                {
                    await db.InTransactionAsync(async scope =>
                    {
                        Interlocked.Increment(ref attempts);
                        var n = await scope.ExecuteScalarAsync<int>($"SELECT n FROM {table} WHERE id = 1 FOR UPDATE");
                        await Task.Delay(2);
                        await scope.ExecuteAsync($"UPDATE {table} SET n = @n WHERE id = 1", new { n = n + 1 });
                    }, maxRetries: 200);   // every increment of two flows conflicts: far more retries than the default
                }
            }
            await Task.WhenAll(Task.Run(() => Flow(a)), Task.Run(() => Flow(b)));

            // Then every increment counts, on every node
            foreach (var node in Cluster.Nodes)
                Assert.Equal(2 * perFlow, Convert.ToInt32(await ClusterFixture.ScalarAsync(node.ConnectionString, $"SELECT n FROM {table} WHERE id = 1", causal: true), CultureInfo.InvariantCulture));
            output.WriteLine($"{2 * perFlow} increments took {attempts} attempts ({attempts - 2 * perFlow} retried after a conflict).");
        }
        finally
        {
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Theory]
    [InlineData(SessionResetPolicy.Always, false)]
    [InlineData(SessionResetPolicy.WhenDirty, true)]
    [InlineData(SessionResetPolicy.WhenDirty, false)]
    public async Task CausalReads_PooledConnectionAfterAScope_StillWaitsForAPausedNodeInsteadOfReadingStale(SessionResetPolicy policy, bool dirtyFirstScope)
    {
        // A Galera node ignores wsrep_sync_wait on a session that was reset (COM_RESET_CONNECTION): codership/galera#613.
        var table = "c_" + Guid.NewGuid().ToString("N")[..12];
        var node1 = Cluster.Nodes[0].ConnectionString;
        var node2 = Cluster.Nodes[1];
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        await using var reader = new SqlHelper(new SqlHelperOptions
        {
            ClusterNodes = [node2.ConnectionString + ";DefaultCommandTimeout=20"],
            CausalReads = true,
            SessionReset = policy,
            MaxConnections = 1,
        });
        try
        {
            // Given one scope on node2 that ran and released its connection (dirty or clean)
            int firstConnection;
            await using (var first = await reader.OpenAsync())
            {
                firstConnection = await first.ExecuteScalarAsync<int>("SELECT CONNECTION_ID()");
                if (dirtyFirstScope)
                    await first.ExecuteAsync("SET @left_behind = 1");
            }

            // And node2 paused (it applies nothing while FLUSH TABLES WITH READ LOCK holds) while node1 commits a row
            await using var admin = await ClusterFixture.OpenAsync(node2.AdminConnectionString);
            await new MySqlCommand("FLUSH TABLES WITH READ LOCK", admin).ExecuteNonQueryAsync();
            int secondConnection;
            long seen;
            try
            {
                await ClusterFixture.ScalarAsync(node1, $"INSERT INTO {table} VALUES (1)");

                // When the next scope on node2 reads at once
                var read = Task.Run(async () =>
                {
                    await using var scope = await reader.OpenAsync();
                    return (await scope.ExecuteScalarAsync<int>("SELECT CONNECTION_ID()"), await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
                });
                await Task.WhenAny(read, Task.Delay(1500));
                await new MySqlCommand("UNLOCK TABLES", admin).ExecuteNonQueryAsync();
                (secondConnection, seen) = await read;
            }
            finally
            {
                await new MySqlCommand("UNLOCK TABLES", admin).ExecuteNonQueryAsync();
            }

            // Then it waited for node2 to apply the row rather than reading the stale table
            Assert.Equal(1L, seen);
            // And only a clean session under WhenDirty was reused; any other was replaced, never reset in place
            Assert.Equal(policy == SessionResetPolicy.WhenDirty && !dirtyFirstScope, secondConnection == firstConnection);
        }
        finally
        {
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    [Fact]
    public async Task CausalReads_WriteOnNode1_ReadAtOnceOnNode2_SeesTheRow()
    {
        var table = "r_" + Guid.NewGuid().ToString("N")[..12];
        var node1 = Cluster.Nodes[0].ConnectionString;
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id INT PRIMARY KEY)");
        try
        {
            // Given a causal helper on node2 and one on node1
            await using var writer = ClusterRoutingTests.NewHelper([node1]);
            await using var reader = ClusterRoutingTests.NewHelper([Cluster.Nodes[1].ConnectionString], causal: true);
            await using (var warm = await reader.OpenAsync())
                Assert.Equal(1L, await warm.ExecuteScalarAsync<long>("SELECT @@wsrep_sync_wait"));

            var missed = new List<int>();
            for (var i = 0; i < 50; i++)
            {
                // When a row is written through node1
                await writer.ExecuteAsync($"INSERT INTO {table} VALUES (@i)", new { i });

                // Then a read on node2 right after sees it
                await using var scope = await reader.OpenAsync();
                Assert.Equal("node2", await ClusterRoutingTests.NodeNameAsync(scope));
                Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT @@wsrep_sync_wait"));
                if (await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE id = @i", new { i }) != 1)
                    missed.Add(i);
            }
            // A miss here was once seen 1 in 50: the reset pooled session ignored wsrep_sync_wait (codership/galera#613), which
            // the test above stages deterministically. No miss is tolerated now.
            Assert.True(missed.Count == 0, $"causal reads missed the row in {missed.Count} of 50 rounds: {string.Join(", ", missed)}");
        }
        finally
        {
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }
}
