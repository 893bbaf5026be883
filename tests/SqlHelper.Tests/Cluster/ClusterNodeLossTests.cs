using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// A node killed under load with a ledger: flows write through SqlHelperOptions.ClusterNodes while node3 is killed and
/// restarted. Every acknowledged write is on every node afterwards, none twice, and the rejoined node serves scopes again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterNodeLossTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private MySqlTestCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => fixture.EnsureWholeAsync();

    public Task DisposeAsync() => fixture.EnsureWholeAsync();

    [Fact]
    public async Task Writes_NodeKilledAndRestartedUnderLoad_AcknowledgedWritesSurviveOnceEach_RejoinedNodeServesAgain()
    {
        var table = "l_" + Guid.NewGuid().ToString("N")[..12];
        var node1 = Cluster.Nodes[0].ConnectionString;
        var node3 = Cluster.Nodes[2];
        await ClusterFixture.ScalarAsync(node1, $"CREATE TABLE {table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, op BIGINT NOT NULL, node VARCHAR(20) NOT NULL)");
        try
        {
            // Given four flows writing one ledger row per scope, spread over the three nodes
            await using var db = ClusterRoutingTests.NewHelper(Cluster.Nodes.Select(node => node.ConnectionString));
            await db.CheckReplicasAsync();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var acked = new ConcurrentDictionary<long, string>();
            var errors = new ConcurrentBag<Exception>();
            long nextOp = 0;
            var clock = Stopwatch.StartNew();
            long lastAck = 0, killedAt = long.MaxValue, maxGapAfterKill = 0, slowestOpAfterKill = 0;
            var writing = true;

            async Task Flow()
            {
                while (Volatile.Read(ref writing) && !stop.IsCancellationRequested)
                {
                    var op = Interlocked.Increment(ref nextOp);
                    var started = clock.ElapsedMilliseconds;
                    try
                    {
                        await using var scope = await db.OpenAsync(stop.Token);
                        var name = await ClusterRoutingTests.NodeNameAsync(scope);
                        await scope.ExecuteAsync($"INSERT INTO {table} (op, node) VALUES (@op, @name)", new { op, name });
                        acked[op] = name;
                        var now = clock.ElapsedMilliseconds;
                        var previous = Interlocked.Exchange(ref lastAck, now);
                        if (started >= Interlocked.Read(ref killedAt))
                        {
                            InterlockedMax(ref maxGapAfterKill, now - previous);
                            InterlockedMax(ref slowestOpAfterKill, now - started);
                        }
                    }
                    catch (Exception ex) when (ex is MySqlException or SqlHelperException && !stop.IsCancellationRequested)
                    {
                        errors.Add(ex);
                    }
                }
            }

            var flows = Enumerable.Range(0, 4).Select(_ => Task.Run(Flow)).ToArray();
            await Task.Delay(2000);

            // When node3 is killed mid-load, and writing goes on for a while
            Interlocked.Exchange(ref killedAt, clock.ElapsedMilliseconds);
            await node3.KillAsync();
            var ackedBeforeKill = acked.Count;
            // The survivors' commits stall until Galera evicts the dead node (about 3 s here, longer on a loaded machine):
            // write on until a write is acknowledged after the kill (20 s at most), then a little longer.
            var firstAckDeadline = clock.ElapsedMilliseconds + 20_000;
            while (acked.Count == ackedBeforeKill && clock.ElapsedMilliseconds < firstAckDeadline)
                await Task.Delay(100);
            await Task.Delay(1000);
            Volatile.Write(ref writing, false);
            await Task.WhenAll(flows);
            Assert.False(stop.IsCancellationRequested, "The writers did not finish within 30 s.");

            // Then writes went on through the survivors, and the only errors were lost connections (or a failed open)
            var afterKill = acked.Count - ackedBeforeKill;
            Assert.True(afterKill > 0, $"No write was acknowledged within 20 s of the kill; errors: {string.Join("; ", errors.Take(5).Select(static e => e.GetType().Name + ": " + e.Message))}");
            Assert.All(errors, ex => Assert.True(ex is SqlConnectionLostException or MySqlException, ex.ToString()));
            Assert.True(maxGapAfterKill < 20_000, $"Writes stalled {maxGapAfterKill} ms after the kill.");

            // And when node3 is restarted and synced, it serves scopes again
            var watch = Stopwatch.StartNew();
            await node3.RestartAsync();
            var rejoin = watch.Elapsed;
            await db.CheckReplicasAsync();
            var names = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                await using var scope = await db.OpenAsync();
                names.Add(await ClusterRoutingTests.NodeNameAsync(scope));
            }
            Assert.Contains("node3", names);

            // And every acknowledged write is on every node, once; no op is there twice
            foreach (var node in Cluster.Nodes)
            {
                await using var connection = await ClusterFixture.OpenAsync(node.ConnectionString);
                await using (var wait = new MySqlCommand("SET SESSION wsrep_sync_wait = 1", connection))
                    await wait.ExecuteNonQueryAsync();
                var counts = new Dictionary<long, long>();
                await using (var command = new MySqlCommand($"SELECT op, COUNT(*) FROM {table} GROUP BY op", connection))
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                        counts[reader.GetInt64(0)] = reader.GetInt64(1);
                }
                Assert.All(counts, pair => Assert.Equal(1L, pair.Value));
                var missing = acked.Keys.Where(op => !counts.ContainsKey(op)).ToList();
                Assert.True(missing.Count == 0, $"{node.Name} lacks {missing.Count} acknowledged writes: {string.Join(", ", missing.Take(10))}");
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{acked.Count} writes acknowledged ({ackedBeforeKill} before the kill, {afterKill} after), {errors.Count} errors: " +
                $"{string.Join(", ", errors.GroupBy(e => e is MySqlException m ? $"MySqlException {m.Number}" : e.GetType().Name).Select(g => $"{g.Count()}× {g.Key}"))}; " +
                $"longest gap between acknowledged writes after the kill {maxGapAfterKill} ms, slowest op {slowestOpAfterKill} ms; restart to synced {rejoin.TotalSeconds:0.0} s; " +
                $"per node {string.Join(", ", acked.Values.GroupBy(v => v).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}."));
        }
        finally
        {
            await fixture.EnsureWholeAsync();
            await ClusterFixture.ScalarAsync(node1, $"DROP TABLE IF EXISTS {table}");
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }
}
