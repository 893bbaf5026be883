using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using SqlHelpers.Benchmarks.Infrastructure;
using SqlHelpers.Benchmarks.Load;

namespace SqlHelpers.Benchmarks;

/// <summary>
/// One exe for every kind of benchmark: <c>load [options]</c> runs the fixed workload against a server and prints a
/// table; <c>overhead</c> measures the per-scope cost as interleaved A/B batches; <c>replicas</c> measures read
/// throughput with one replica added on a real primary/replica pair; <c>cluster</c> measures writes on a local Galera
/// cluster of one vs three nodes and the pause after a node kill; <c>bulk</c> compares ways of inserting 10,000 rows
/// and streaming with FetchAll for 1,000,000 rows; anything else goes to BenchmarkDotNet's
/// switcher (<c>--filter</c>, <c>--job short</c>, <c>--list flat</c>, ...).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "load")
            return await LoadCommand.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "overhead")
            return await Micro.PairedOverheadCommand.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "bulk")
            return await Bulk.BulkInsertCommand.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "replicas")
            return await Replicas.ReplicaReadCommand.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "cluster")
            return await Cluster.ClusterWriteCommand.RunAsync(args[1..]);

        var (connection, rest) = ExeArguments.TakeOption(args, "--connection");
        var needsServer = !rest.Any(static a => a is "--list" or "--help" or "-h" or "--version" or "--info");
        await using var database = needsServer ? await BenchmarkDatabase.ResolveAsync(connection) : null;
        if (database is not null)
        {
            // The benchmarks run in child processes, which inherit the environment.
            Environment.SetEnvironmentVariable(BenchmarkDatabase.EnvironmentVariable, database.ConnectionString);
            Console.WriteLine($"// database: {database.Description}");
        }
        // On a shared 2-core box the mean carries other people's builds; the median and the minimum show what the code costs.
        var config = ManualConfig.Create(DefaultConfig.Instance).AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return 0;
    }
}
