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

    private static string Mode(LoadOptions options) =>
        $"Mode: {(options.Full ? "full" : "quick")}; flows {string.Join(", ", options.Flows)}; {string.Join(" and ", options.Apis.Select(static a => a.ToString().ToLowerInvariant()))}; " +
        $"{(options.ScopeGroups ? "scope rows (nest 1 and 3, ConnectionReset on and off)" : "")}{(options.ScopeGroups && options.OpenGroups ? " and " : "")}{(options.OpenGroups ? "open-connection rows" : "")}; " +
        $"{options.Rounds} interleaved rounds of {options.Duration.TotalSeconds:0.##} s per variant after a {options.Warmup.TotalSeconds:0.##} s warm-up.";
}
