using System.Diagnostics;
using System.Text;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>The <c>load</c> subcommand: the fixed workload of issue #6, every variant in one run, one table.</summary>
internal static class LoadCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args, Console.Error);
        if (options is null)
            return 2;
        var stopwatch = Stopwatch.StartNew();
        await using var database = await BenchmarkDatabase.ResolveAsync(options.ConnectionString);
        var sysbench = options.Sysbench && options.OpenGroups ? await SysbenchTool.FindAsync(database.ConnectionString) : null;
        await SbTestTable.EnsureAsync(database.ConnectionString, sysbench, Console.Error);

        var header = new StringBuilder();
        header.AppendLine(("Command: `dotnet run -c Release --project benchmarks/SqlHelper.Benchmarks -- load " + ExeArguments.Display(args)).TrimEnd() + "`");
        header.AppendLine();
        header.AppendLine(Mode(options));
        header.AppendLine();
        header.Append(await MachineFacts.DescribeAsync(database, sysbench?.Version));
        if (sysbench is not null)
            header.AppendLine("- sysbench rows ran: `" + sysbench.Describe(threads: 1, Math.Max(1, (int) Math.Round(options.Duration.TotalSeconds))).Replace("--threads=1", "--threads=<flows>", StringComparison.Ordinal) + "`");
        Console.WriteLine(header);

        var groups = LoadPlan.Build(options, database.ConnectionString, sysbench);
        var runner = new LoadRunner(options, Console.Error);
        await runner.WarmUpAsync(LoadPlan.BuildWarmup(database.ConnectionString), TimeSpan.FromSeconds(0.5));
        var rows = await runner.RunAsync(groups);
        var table = LoadReport.Format(rows);
        Console.WriteLine(table);
        var footer = $"Total time: {stopwatch.Elapsed.TotalSeconds:F0} s.";
        Console.WriteLine(footer);
        if (options.OutputPath is { } path)
            await File.WriteAllTextAsync(path, header + Environment.NewLine + table + Environment.NewLine + footer + Environment.NewLine);
        return 0;
    }

    private static string Mode(LoadOptions options)
    {
        var kinds = new List<string>();
        if (options.ScopeGroups)
            kinds.Add($"scope rows (flows {string.Join(", ", options.Flows)}; nest 1 and 3, ConnectionReset on and off)");
        if (options.OpenGroups)
            kinds.Add($"open-connection rows (flows {string.Join(", ", options.Flows)})");
        if (options.HeldGroups)
            kinds.Add($"held-connection reference rows (flows {string.Join(", ", options.Flows)})");
        if (options.ContentionGroups)
            kinds.Add($"contention rows (flows/connections {string.Join(", ", options.ContentionPoints.Select(static p => $"{p.Flows}/{p.Connections}"))}, slots of {options.ContentionDuration.TotalSeconds:0.##} s)");
        return $"Mode: {(options.Full ? "full" : "quick")}; {string.Join(" and ", options.Apis.Select(static a => a.ToString().ToLowerInvariant()))}; {string.Join("; ", kinds)}; " +
            $"{options.Rounds} interleaved rounds of {options.Duration.TotalSeconds:0.##} s per variant after a {options.Warmup.TotalSeconds:0.##} s warm-up.";
    }
}
