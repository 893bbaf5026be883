using System.Diagnostics;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;
using SqlHelpers.Benchmarks.Load;
using SqlHelpers.Testing;

namespace SqlHelpers.Benchmarks.Cluster;

/// <summary>
/// <c>cluster [--flows 8] [--rounds 5] [--seconds 1] [--kills 3]</c>: on a local 3-node Galera cluster, write throughput
/// (open a scope, insert one row, dispose) with <c>ClusterNodes</c> naming one node vs all three, in interleaved rounds;
/// then, per kill, the same flows writing while a node is killed with <c>-9</c>: the longest pause in acknowledged
/// writes, the p50/p99 of the gaps between acknowledgements in the 10 s after the kill, failed operations, and a ledger
/// check that every acknowledged write is on every node once.
/// </summary>
internal static class ClusterWriteCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flows = ExeArguments.Option(args, "--flows", 8);
        var rounds = ExeArguments.Option(args, "--rounds", 5);
        var seconds = ExeArguments.Option(args, "--seconds", 1.0);
        var kills = ExeArguments.Option(args, "--kills", 3);
        Console.WriteLine($"// cluster: {flows} async flows, one INSERT per scope, {rounds} interleaved rounds of {seconds:0.##} s, {kills} node kills; {Environment.ProcessorCount} cores, load {LoadAverage()}");
        await using var cluster = await MySqlTestCluster.StartAsync();
        Console.WriteLine($"// {cluster.Describe()}");
        await ExecuteAsync(cluster.Nodes[0].ConnectionString, "CREATE TABLE IF NOT EXISTS bench_writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, op BIGINT NOT NULL, node VARCHAR(16) NOT NULL)");

        await using (var oneNode = NewHelper([cluster.Nodes[0].ConnectionString], flows))
        await using (var threeNodes = NewHelper(cluster.Nodes.Select(static n => n.ConnectionString), flows))
        {
            await threeNodes.CheckReplicasAsync();
            var one = new List<double>();
            var three = new List<double>();
            await WriteForAsync(oneNode, flows, TimeSpan.FromSeconds(0.5), new AckLedger(), new OpCounter());   // warm-up
            await WriteForAsync(threeNodes, flows, TimeSpan.FromSeconds(0.5), new AckLedger(), new OpCounter());
            for (var round = 0; round < rounds; round++)
            {
                var first = round % 2 == 0;
                (first ? one : three).Add(await ThroughputAsync(first ? oneNode : threeNodes, flows, seconds));
                (first ? three : one).Add(await ThroughputAsync(first ? threeNodes : oneNode, flows, seconds));
            }
            Console.WriteLine();
            Console.WriteLine("| writes go to | ops/s median | min–max | × one node |");
            Console.WriteLine("|---|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| 1 node | {Statistics.Median(one):N0} | {one.Min():N0}–{one.Max():N0} | 1.00 |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| 3 nodes, round robin | {Statistics.Median(three):N0} | {three.Min():N0}–{three.Max():N0} | {Statistics.Median([.. one.Zip(three, static (a, b) => b / a)]):0.00} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| kill | node | longest pause in acks (ms) | gap p50 (ms) | gap p99 (ms) | failed ops | acked | on every node once |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");
        for (var kill = 1; kill <= kills; kill++)
        {
            var victim = cluster.Nodes[kill % cluster.Nodes.Count];
            await ExecuteAsync(cluster.Nodes[0].ConnectionString, "TRUNCATE TABLE bench_writes");
            await using var db = NewHelper(cluster.Nodes.Select(static n => n.ConnectionString), flows);
            await db.CheckReplicasAsync();
            var ledger = new AckLedger();
            var writing = WriteForAsync(db, flows, TimeSpan.FromSeconds(12), ledger, new OpCounter());
            await Task.Delay(2000);
            var killedAt = Stopwatch.GetTimestamp();
            await victim.KillAsync();
            await writing;
            var gaps = ledger.GapsAfter(killedAt);
            var consistent = await LedgerHoldsAsync(cluster, victim, ledger);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kill} | {victim.Name} | {(gaps.Count == 0 ? double.NaN : gaps.Max()):0} | {Statistics.Quantile(gaps, 0.50):0.0} | {Statistics.Quantile(gaps, 0.99):0.0} | {ledger.Errors} | {ledger.Count:N0} | {(consistent ? "yes" : "NO")} |"));
            await victim.RestartAsync();
        }
        return 0;
    }

    private static SqlHelper NewHelper(IEnumerable<string> nodes, int flows) => new(new SqlHelperOptions
    {
        ClusterNodes = [.. nodes.Select(static n => n + ";ConnectionTimeout=3;DefaultCommandTimeout=20")],
        ReplicaCheckInterval = TimeSpan.FromSeconds(1),
        MaxConnections = flows + 1,
        AcquireTimeout = TimeSpan.FromSeconds(10),
    });

    private static async Task<double> ThroughputAsync(SqlHelper db, int flows, double seconds)
    {
        var ledger = new AckLedger();
        var watch = Stopwatch.StartNew();
        await WriteForAsync(db, flows, TimeSpan.FromSeconds(seconds), ledger, new OpCounter());
        return ledger.Count / watch.Elapsed.TotalSeconds;
    }

    private static Task WriteForAsync(SqlHelper db, int flows, TimeSpan duration, AckLedger ledger, OpCounter counter)
    {
        var stopAt = Stopwatch.GetTimestamp() + (long) (duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, flows).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var op = counter.Next();
                try
                {
                    await using var scope = await db.OpenAsync();
                    await scope.ExecuteAsync("INSERT INTO bench_writes (op, node) VALUES (@op, @@wsrep_node_name)", new { op });
                    ledger.Ack(op);
                }
                catch (Exception ex) when (ex is MySqlException or SqlHelperException)
                {
                    ledger.Fail();
                }
            }
        })));
    }

    /// <summary>Every acknowledged op is on every surviving node exactly once (read with wsrep_sync_wait so no node answers stale).</summary>
    private static async Task<bool> LedgerHoldsAsync(MySqlTestCluster cluster, MySqlTestClusterNode victim, AckLedger ledger)
    {
        var acked = ledger.Ops.ToHashSet();
        foreach (var node in cluster.Nodes.Where(n => n != victim))
        {
            await using var connection = new MySqlConnection(node.ConnectionString);
            await connection.OpenAsync();
            await new MySqlCommand("SET SESSION wsrep_sync_wait = 1", connection).ExecuteNonQueryAsync();
            var seen = new Dictionary<long, int>();
            await using (var reader = await new MySqlCommand("SELECT op FROM bench_writes", connection).ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                    seen[reader.GetInt64(0)] = seen.GetValueOrDefault(reader.GetInt64(0)) + 1;
            }
            if (seen.Values.Any(static count => count > 1) || !acked.All(seen.ContainsKey))
                return false;
        }
        return true;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await new MySqlCommand(sql, connection).ExecuteNonQueryAsync();
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";


}
