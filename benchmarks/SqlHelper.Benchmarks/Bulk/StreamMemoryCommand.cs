using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Bulk;

/// <summary>
/// The <c>bulk</c> subcommand, part two: reading N rows with <c>FetchStreamAsync</c> versus <c>FetchAllAsync</c>, each run
/// in a fresh child process (so that its peaks are its own), for N/10 and N rows, interleaved. A child (gen-0 budget 4 MB) samples
/// the managed heap every 2 ms and reports the time, the peak managed heap, the bytes allocated and the peak working set.
/// </summary>
internal static class StreamMemoryCommand
{
    private const int Rounds = 2;

    public static async Task RunAsync(string connectionString, int rows)
    {
        Environment.SetEnvironmentVariable(BenchmarkDatabase.EnvironmentVariable, connectionString);
        var sizes = new[] { rows / 10, rows };
        var modes = new[] { "stream", "fetchall" };
        var results = new Dictionary<(string Mode, int Rows), List<double[]>>();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var size in sizes)
            {
                foreach (var mode in round % 2 == 0 ? modes : modes.Reverse())
                {
                    var measured = await RunChildProcessAsync(mode, size);
                    if (!results.TryGetValue((mode, size), out var list))
                        results[(mode, size)] = list = [];
                    list.Add(measured);
                }
            }
        }
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Reading rows (id INT, name VARCHAR) in a fresh child process per run, {Rounds} runs each, interleaved; load average {BulkInsertCommand.MachineLoad()}.");
        report.AppendLine();
        report.AppendLine("| method | rows | median ms | peak managed heap MB (max of runs) | allocated MB | peak working set MB |");
        report.AppendLine("|---|--:|--:|--:|--:|--:|");
        foreach (var mode in modes)
        {
            foreach (var size in sizes)
            {
                var runs = results[(mode, size)];
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {(mode == "stream" ? "FetchStreamAsync" : "FetchAllAsync")} | {size:N0} | {BulkInsertCommand.Median([.. runs.Select(static r => r[0])]):F0} | {runs.Max(static r => r[1]) / 1e6:F1} | {runs.Max(static r => r[2]) / 1e6:F0} | {runs.Max(static r => r[3]) / 1e6:F0} |");
            }
        }
        Console.WriteLine(report);
    }

    /// <summary>In the child: reads the rows once and prints <c>RESULT ms peakHeap allocated peakWorkingSet</c>.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var mode = args[0];
        var rows = int.Parse(args[1], CultureInfo.InvariantCulture);
        var cs = BenchmarkDatabase.FromEnvironment();
        await using var db = new SqlHelper(ConnectionStrings.Helper(cs, ScopeMode.AsyncFlowStack, 4));
        await db.ExecuteScalarAsync<int>("SELECT 1");   // warm the pool and the JIT path outside the measurement
        // Six cross-joined digit tables number up to 1,000,000 rows on any server (a recursive CTE stops at 1,000 by default).
        const string number = "(1 + a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n + 100000 * g.n)";
        var sql = "WITH d (n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) " +
            $"SELECT CAST({number} AS SIGNED) AS Id, CONCAT('name of row ', {number}) AS Name FROM d a, d b, d c, d e, d f, d g WHERE {number} <= @rows";
        GC.Collect();
        long peak = GC.GetTotalMemory(forceFullCollection: false);
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(2, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        long sum = 0;
        if (mode == "stream")
        {
            await foreach (var row in db.FetchStreamAsync<Row>(sql, new { rows }))
                sum += row.Id;
        }
        else
        {
            foreach (var row in await db.FetchAllAsync<Row>(sql, new { rows }))
                sum += row.Id;
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await stop.CancelAsync();
        await sampler;
        if (sum != (long) rows * (rows + 1) / 2)
            throw new InvalidOperationException($"Read a sum of {sum}, not {(long) rows * (rows + 1) / 2}.");
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {elapsed:F1} {peak} {allocated} {process.PeakWorkingSet64}"));
        return 0;
    }

    private static async Task<double[]> RunChildProcessAsync(string mode, int rows)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        // A 4 MB gen-0 budget makes the collector run often, so the sampled heap follows what is live, not what awaits collection.
        start.Environment["DOTNET_GCgen0size"] = "0x400000";
        var self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        foreach (var arg in new[] { "bulk", "--child", mode, rows.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(static l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The child ({mode}, {rows} rows) exited with {process.ExitCode} and printed no result: {output}");
        Console.Error.WriteLine($"// {mode} {rows}: {line}");
        return [.. line.Split(' ').Skip(1).Select(static v => double.Parse(v, CultureInfo.InvariantCulture))];
    }

    internal sealed record Row(long Id, string Name);
}
