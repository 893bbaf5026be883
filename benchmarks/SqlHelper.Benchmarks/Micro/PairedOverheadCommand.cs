using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// The <c>overhead</c> subcommand: the per-scope cost of <see cref="ScopeOpenBenchmarks"/> measured as interleaved A/B
/// batches in one process, so that a busy machine slows raw and SqlHelper alike and the paired difference survives.
/// Each batch opens and disposes <see cref="BatchSize"/> times (no query, <c>ConnectionReset=false</c>, warm pool);
/// the report gives ns/op (median and 10th percentile over batches), the difference to raw (median of the paired
/// differences, and between the 10th percentiles), bytes/op, and the same per-op time and difference measured on the
/// thread's CPU clock: the batches complete synchronously on one thread (warm pool, no I/O), so its CPU time is what the
/// code costs, and it does not count the time the thread waited for a core while other processes ran. The last variant, a
/// raw open with an <see cref="AsyncLocal{T}"/> push and pop around it, is the floor of any ambient stack built on the
/// execution context.
/// Options: <c>--batches N</c> (default 300), <c>--threads N</c> (run every batch on N threads at once, to see what
/// concurrent opens add), <c>--cases open,nest</c> (only the cases whose name starts so), <c>--variants 1,3</c> (run only
/// these variants, the others do nothing: for a profiler), <c>--context-values N</c> (every variant runs in a flow whose
/// execution context carries N other <see cref="AsyncLocal{T}"/> values, as a web request's does: what the ambient
/// stack's push and pop cost there).
/// </summary>
internal static class PairedOverheadCommand
{
    private const int BatchSize = 2_000;

    private static readonly AsyncLocal<MySqlConnection?> FlowTop = new();

    public static async Task<int> RunAsync(string[] args)
    {
        var (connection, rest) = ExeArguments.TakeOption(args, "--connection");
        var (batchesText, rest2) = ExeArguments.TakeOption(rest, "--batches");
        var (threadsText, rest3) = ExeArguments.TakeOption(rest2, "--threads");
        var (casesText, rest4) = ExeArguments.TakeOption(rest3, "--cases");
        var (variantsText, rest5) = ExeArguments.TakeOption(rest4, "--variants");
        var (contextValuesText, _) = ExeArguments.TakeOption(rest5, "--context-values");
        var batches = batchesText is null ? 300 : int.Parse(batchesText, CultureInfo.InvariantCulture);
        var threads = threadsText is null ? 1 : int.Parse(threadsText, CultureInfo.InvariantCulture);
        var contextValues = contextValuesText is null ? 0 : int.Parse(contextValuesText, CultureInfo.InvariantCulture);
        for (var i = 0; i < contextValues; i++)
            new AsyncLocal<object>().Value = i;   // before the threads start, so that they carry the values too
        using var parallel = threads > 1 ? new ParallelBatches(threads) : null;
        await using var database = await BenchmarkDatabase.ResolveAsync(connection);
        var cs = ConnectionStrings.For(database.ConnectionString, connectionReset: false, maxPoolSize: 100);
        await using var ambient = new SqlHelper(ConnectionStrings.Helper(cs, ScopeMode.AsyncFlowStack, 100));
        await using var perInstance = new SqlHelper(ConnectionStrings.Helper(cs, ScopeMode.PerInstance, 100));
        await using var dataSource = new MySqlDataSource(cs);

        var cases = new (string Name, Func<ValueTask>[] Variants)[]
        {
            ("open+dispose sync", [Sync(() => Raw(cs)), Sync(() => Raw(dataSource)), Sync(() => Scope(ambient)), Sync(() => Scope(perInstance)), Sync(() => RawInFlowStack(cs))]),
            ("open+dispose async", [() => RawAsync(cs), () => RawAsync(dataSource), () => ScopeAsync(ambient), () => ScopeAsync(perInstance), () => RawInFlowStackAsync(cs)]),
            ("nest 3 sync", [Sync(() => Raw3(cs)), Sync(() => Raw3(dataSource)), Sync(() => Scope3(ambient)), Sync(() => Scope3(perInstance)), Sync(() => Raw3InFlowStack(cs))]),
            ("nest 3 async", [() => Raw3Async(cs), () => Raw3Async(dataSource), () => Scope3Async(ambient), () => Scope3Async(perInstance), () => Raw3InFlowStackAsync(cs)]),
        };
        if (casesText is not null)
            cases = [.. cases.Where(c => casesText.Split(',').Any(wanted => c.Name.StartsWith(wanted, StringComparison.Ordinal)))];
        if (variantsText is not null)
        {
            // Only these variants (0 raw MySqlConnection, 1 raw MySqlDataSource, 2 ambient, 3 per-instance, 4 raw + AsyncLocal): for a profiler.
            var keep = variantsText.Split(',').Select(static v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            cases = [.. cases.Select(c => (c.Name, c.Variants.Select((v, i) => keep.Contains(i) ? v : static () => default).ToArray()))];
        }
        // SqlHelper opens through a MySqlDataSource; the second row shows what that alone costs against the connection-string pool.
        // The last row is the floor of any ambient stack built on AsyncLocal: a raw open with the push and pop alone around it.
        string[] names = ["raw MySqlConnection", "raw MySqlDataSource", "SqlHelper ambient", "SqlHelper per-instance", "raw + AsyncLocal push/pop"];

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Interleaved A/B batches: {batches} rounds × {BatchSize:N0} ops per variant and case, order rotating, on {(threads == 1 ? "one thread" : $"{threads} threads at once")}{(contextValues == 0 ? "" : $", {contextValues} other values in the execution context")}; database {database.Description}.");
        report.AppendLine();
        report.AppendLine("| case | variant | ns/op median | ns/op p10 | Δ ns vs raw, median of paired rounds | Δ ns vs raw at p10 | CPU ns/op median | Δ CPU ns vs raw, median of paired rounds | B/op | Δ B vs raw |");
        report.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (name, variants) in cases)
        {
            // Warm-up: tiered compilation and three connections in each pool.
            for (var i = 0; i < 3; i++)
            {
                foreach (var variant in variants)
                    await Run(variant);
            }
            var times = variants.Select(_ => new double[batches]).ToArray();
            var cpuTimes = variants.Select(_ => new double[batches]).ToArray();
            var bytes = variants.Select(_ => new double[batches]).ToArray();
            for (var round = 0; round < batches; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var v = (round + k) % variants.Length;
                    (times[v][round], cpuTimes[v][round], bytes[v][round]) = await Run(variants[v]);
                }
            }
            for (var v = 0; v < variants.Length; v++)
            {
                var delta = v == 0 ? "" : F0(Median(times[v].Select((t, r) => t - times[0][r])));
                var deltaP10 = v == 0 ? "" : F0(Percentile10(times[v]) - Percentile10(times[0]));
                var deltaBytes = v == 0 ? "" : F0(Median(bytes[v]) - Median(bytes[0]));
                var cpu = ThreadCpuClock.IsAvailable ? F0(Median(cpuTimes[v])) : "n/a";
                var deltaCpu = v == 0 || !ThreadCpuClock.IsAvailable ? "" : F0(Median(cpuTimes[v].Select((t, r) => t - cpuTimes[0][r])));
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {name} | {names[v]} | {F0(Median(times[v]))} | {F0(Percentile10(times[v]))} | {delta} | {deltaP10} | {cpu} | {deltaCpu} | {F0(Median(bytes[v]))} | {deltaBytes} |");
            }
            Console.Error.WriteLine($"// {name} done");
        }
        Console.WriteLine(report);
        return 0;

        ValueTask<(double, double, double)> Run(Func<ValueTask> variant) =>
            parallel is null ? Batch(variant, BatchSize) : ValueTask.FromResult(parallel.Batch(variant, BatchSize));
    }

    private static async ValueTask<(double NanosecondsPerOp, double CpuNanosecondsPerOp, double BytesPerOp)> Batch(Func<ValueTask> op, int count)
    {
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var thread = Environment.CurrentManagedThreadId;
        var cpuStart = ThreadCpuClock.Now();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
            await op();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpu = ThreadCpuClock.Now() - cpuStart;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        // The ops complete synchronously (warm pool, no I/O), so the batch ran on one thread; if one did not, its CPU time is unknown.
        var cpuPerOp = Environment.CurrentManagedThreadId == thread ? (double) cpu / count : double.NaN;
        return (elapsed.TotalNanoseconds / count, cpuPerOp, (double) bytes / count);
    }

    /// <summary>Wraps a synchronous operation once, so that calling it allocates nothing.</summary>
    private static Func<ValueTask> Sync(Action action) => () =>
    {
        action();
        return default;
    };

    private static void Raw(string cs)
    {
        using var connection = new MySqlConnection(cs);
        connection.Open();
    }

    private static void Raw(MySqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
    }

    private static void Scope(SqlHelper db)
    {
        using var scope = db.Open();
    }

    /// <summary>A raw open whose connection is pushed on an AsyncLocal after the open and popped before the dispose, as the ambient stack does.</summary>
    private static void RawInFlowStack(string cs)
    {
        using var connection = new MySqlConnection(cs);
        connection.Open();
        var parent = FlowTop.Value;
        FlowTop.Value = connection;
        FlowTop.Value = parent;
    }

    private static void Raw3InFlowStack(string cs)
    {
        using var outer = new MySqlConnection(cs);
        outer.Open();
        var parent = FlowTop.Value;
        FlowTop.Value = outer;
        using (var middle = new MySqlConnection(cs))
        {
            middle.Open();
            FlowTop.Value = middle;
            using (var inner = new MySqlConnection(cs))
            {
                inner.Open();
                FlowTop.Value = inner;
                FlowTop.Value = middle;
            }
            FlowTop.Value = outer;
        }
        FlowTop.Value = parent;
    }

    private static void Raw3(string cs)
    {
        using var outer = new MySqlConnection(cs);
        outer.Open();
        using var middle = new MySqlConnection(cs);
        middle.Open();
        using var inner = new MySqlConnection(cs);
        inner.Open();
    }

    private static void Raw3(MySqlDataSource dataSource)
    {
        using var outer = dataSource.OpenConnection();
        using var middle = dataSource.OpenConnection();
        using var inner = dataSource.OpenConnection();
    }

    private static void Scope3(SqlHelper db)
    {
        using var outer = db.Open();
        using var middle = db.Open();
        using var inner = db.Open();
    }

    private static async ValueTask RawAsync(string cs)
    {
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
    }

    private static async ValueTask RawAsync(MySqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
    }

    private static async ValueTask ScopeAsync(SqlHelper db)
    {
        await using var scope = await db.OpenAsync();
    }

    private static async ValueTask RawInFlowStackAsync(string cs)
    {
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
        var parent = FlowTop.Value;
        FlowTop.Value = connection;
        FlowTop.Value = parent;
    }

    private static async ValueTask Raw3InFlowStackAsync(string cs)
    {
        await using var outer = new MySqlConnection(cs);
        await outer.OpenAsync();
        var parent = FlowTop.Value;
        FlowTop.Value = outer;
        await using (var middle = new MySqlConnection(cs))
        {
            await middle.OpenAsync();
            FlowTop.Value = middle;
            await using (var inner = new MySqlConnection(cs))
            {
                await inner.OpenAsync();
                FlowTop.Value = inner;
                FlowTop.Value = middle;
            }
            FlowTop.Value = outer;
        }
        FlowTop.Value = parent;
    }

    private static async ValueTask Raw3Async(string cs)
    {
        await using var outer = new MySqlConnection(cs);
        await outer.OpenAsync();
        await using var middle = new MySqlConnection(cs);
        await middle.OpenAsync();
        await using var inner = new MySqlConnection(cs);
        await inner.OpenAsync();
    }

    private static async ValueTask Raw3Async(MySqlDataSource dataSource)
    {
        await using var outer = await dataSource.OpenConnectionAsync();
        await using var middle = await dataSource.OpenConnectionAsync();
        await using var inner = await dataSource.OpenConnectionAsync();
    }

    private static async ValueTask Scope3Async(SqlHelper db)
    {
        await using var outer = await db.OpenAsync();
        await using var middle = await db.OpenAsync();
        await using var inner = await db.OpenAsync();
    }

    private static double Median(IEnumerable<double> values) => Load.Statistics.Median([.. values.Where(static v => !double.IsNaN(v))]);

    /// <summary>The batch time that only a tenth of batches beat: close to the cost on an idle machine, steadier than the minimum.</summary>
    private static double Percentile10(double[] values) => values.Order().ElementAt(values.Length / 10);

    private static string F0(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
