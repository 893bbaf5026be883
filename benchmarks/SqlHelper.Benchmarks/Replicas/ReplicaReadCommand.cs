using System.Diagnostics;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;
using SqlHelpers.Benchmarks.Load;
using SqlHelpers.Testing;

namespace SqlHelpers.Benchmarks.Replicas;

/// <summary>
/// <c>replicas [--flows 8] [--rounds 5] [--seconds 1]</c>: read throughput of read-only scopes (open, point select,
/// dispose) on the primary alone vs with one replica added, on a real primary/replica pair of local servers, in
/// interleaved rounds. Prints the median ops/s and min–max of each, and the ratio.
/// </summary>
internal static class ReplicaReadCommand
{
    private const int Rows = 10_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var flows = ExeArguments.Option(args, "--flows", 8);
        var rounds = ExeArguments.Option(args, "--rounds", 5);
        var seconds = ExeArguments.Option(args, "--seconds", 1.0);
        Console.WriteLine($"// replicas: read-only scopes, point select, {flows} async flows, {rounds} interleaved rounds of {seconds:0.##} s");
        await using var pair = await MySqlReplicationPair.StartAsync();
        Console.WriteLine($"// primary: {pair.Primary.Describe()}");
        Console.WriteLine($"// replica: {pair.Replica.Describe()}");
        await PrepareAsync(pair);

        var primaryOnly = new SqlHelper(new SqlHelperOptions { ConnectionString = pair.Primary.ConnectionString, MaxConnections = flows + 1 });
        var withReplica = new SqlHelper(new SqlHelperOptions
        {
            ConnectionString = pair.Primary.ConnectionString,
            ReplicaConnectionStrings = [pair.Replica.ConnectionString],
            MaxConnections = flows + 1,
            ReplicaMaxConnections = flows + 1,
        });
        await using (primaryOnly)
        await using (withReplica)
        {
            await withReplica.CheckReplicasAsync();
            var a = new List<double>();
            var b = new List<double>();
            await MeasureAsync(primaryOnly, flows, TimeSpan.FromSeconds(0.5));   // warm-up
            await MeasureAsync(withReplica, flows, TimeSpan.FromSeconds(0.5));
            for (var round = 0; round < rounds; round++)
            {
                var first = round % 2 == 0;
                (first ? a : b).Add(await MeasureAsync(first ? primaryOnly : withReplica, flows, TimeSpan.FromSeconds(seconds)));
                (first ? b : a).Add(await MeasureAsync(first ? withReplica : primaryOnly, flows, TimeSpan.FromSeconds(seconds)));
            }
            var ratios = a.Zip(b, static (x, y) => y / x).ToList();
            Console.WriteLine();
            Console.WriteLine("| reads go to | ops/s median | min–max | × primary only |");
            Console.WriteLine("|---|---:|---:|---:|");
            Console.WriteLine(Row("primary only", a, 1.0));
            Console.WriteLine(Row("primary + 1 replica (OpenReadOnly)", b, Statistics.Median(ratios)));
            Console.WriteLine();
            Console.WriteLine($"// replica scopes opened: {withReplica.GetStatistics().ReadOnlyScopesOnReplicas:N0}, fallbacks: {withReplica.GetStatistics().ReplicaFallbacks}");
        }
        return 0;
    }

    private static async Task<double> MeasureAsync(SqlHelper helper, int flows, TimeSpan duration)
    {
        long operations = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long) (duration.TotalSeconds * Stopwatch.Frequency);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, flows).Select(_ => Task.Run(async () =>
        {
            var random = new Random();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                await using var scope = await helper.OpenReadOnlyAsync();
                await scope.FetchOneAsync<string>("SELECT c FROM sbtest_replica WHERE id = @id", new { id = random.Next(1, Rows + 1) });
                Interlocked.Increment(ref operations);
            }
        })));
        return operations / watch.Elapsed.TotalSeconds;
    }

    private static async Task PrepareAsync(MySqlReplicationPair pair)
    {
        await using var connection = new MySqlConnection(pair.Primary.ConnectionString);
        await connection.OpenAsync();
        await new MySqlCommand("CREATE TABLE IF NOT EXISTS sbtest_replica (id INT PRIMARY KEY, k INT, c CHAR(120), pad CHAR(60))", connection).ExecuteNonQueryAsync();
        await new MySqlCommand(
            "INSERT IGNORE INTO sbtest_replica SELECT seq, seq % 1000, REPEAT(CHAR(97 + seq % 26), 120), REPEAT('x', 60) FROM seq_1_to_10000",
            connection).ExecuteNonQueryAsync();
        await pair.WaitForReplicaAsync(TimeSpan.FromSeconds(60));
    }

    private static string Row(string name, List<double> values, double ratio) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {Statistics.Median(values):N0} | {values.Min():N0}–{values.Max():N0} | {ratio:0.00} |");


}
