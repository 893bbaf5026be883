using System.Globalization;
using System.Text;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>Formats the rows as a markdown table plus the check against issue #6's throughput targets.</summary>
internal static class LoadReport
{
    /// <summary>Every SqlHelper row should reach this fraction of its raw row.</summary>
    public const double Target = 0.97;

    public static string Format(IReadOnlyList<LoadRow> allRows)
    {
        var text = new StringBuilder();
        var rows = allRows.Where(static r => !r.Dims.IsContention).ToArray();
        var contention = allRows.Where(static r => r.Dims.IsContention).ToArray();
        if (rows.Length != 0)
            FormatScopeRows(text, rows);
        if (contention.Length != 0)
            FormatContentionRows(text, contention);
        return text.ToString();
    }

    private static void FormatContentionRows(StringBuilder text, IReadOnlyList<LoadRow> rows)
    {
        text.AppendLine("Contention: many flows on a pool of N connections (raw: MySqlConnector `Maximum Pool Size` = N; SqlHelper: `MaxConnections` = N;");
        text.AppendLine("ambient with ReservedForNested=1, the default, leaves 1 connection to nested scopes, so its outermost scopes use N - 1;");
        text.AppendLine("ReservedForNested=0 and per-instance use all N), ConnectionReset off, one point select per operation.");
        text.AppendLine();
        text.AppendLine("| variant | flows | connections | api | ops/s (median) | min–max | × raw (median) | × raw min–max | p50 ms | p99 ms (median) | p99 × raw (median) | p99 × raw min–max | client CPU µs/op | Δ CPU µs/op vs raw | pool items/op |");
        text.AppendLine("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in rows)
        {
            var ratio = row.IsReference ? "1 (ref)" : F3(row.RatioMedian) + (row.RatioMedian < Target ? " ✗" : "");
            var ratioSpread = row.IsReference ? "" : $"{F3(row.Ratios.Min())}–{F3(row.Ratios.Max())}";
            var p99Ratio = row.IsReference ? "1 (ref)" : F3(row.LatencyP99RatioMedian) + (row.LatencyP99RatioMedian > 1 ? " ✗" : "");
            var p99Spread = row.IsReference ? "" : $"{F3(row.LatencyP99Ratios.Min())}–{F3(row.LatencyP99Ratios.Max())}";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Variant} | {row.Dims.Flows} | {row.Dims.Connections} | {row.Dims.ApiText} | {N0(row.Median)} | {N0(row.OpsPerSecond.Min())}–{N0(row.OpsPerSecond.Max())} | {ratio} | {ratioSpread} | " +
                $"{F2(row.LatencyP50Median)} | {F2(row.LatencyP99Median)} | {p99Ratio} | {p99Spread} | {F1(row.CpuMedian)} | {(row.IsReference ? "" : row.CpuDeltaMedian.ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture))} | {F2(row.WorkItemsPerOpMedian)} |");
        }
        text.AppendLine();
        text.AppendLine("“× raw” and “p99 × raw” divide each round by raw's value in the same round; medians and ranges are over rounds.");
        text.AppendLine("p50 and p99: the time of one operation (wait for a connection included) over the operations that ended in the measured window.");
        text.AppendLine("pool items/op: thread-pool work items the process completed per operation (median over rounds): the hops of an");
        text.AppendLine("operation (a woken waiter's continuation, an I/O completion); sync flows run on their own threads, so theirs are few.");
        text.AppendLine("✗ = throughput below 0.97 × raw, or p99 above raw's.");
        text.AppendLine();
        var helperRows = rows.Where(static r => r.IsSqlHelper).ToArray();
        var missed = helperRows.Where(static r => r.RatioMedian < Target || r.LatencyP99RatioMedian > 1).ToArray();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Contention target ≥ {Target:F2}× raw throughput with p99 ≤ raw: {helperRows.Length - missed.Length} of {helperRows.Length} SqlHelper rows met on the median of paired rounds.");
        foreach (var row in missed)
            text.AppendLine(CultureInfo.InvariantCulture, $"- missed: {row.Variant}, {row.Dims}: ×{F3(row.RatioMedian)} throughput, p99 ×{F3(row.LatencyP99RatioMedian)}");
    }

    private static void FormatScopeRows(StringBuilder text, IReadOnlyList<LoadRow> rows)
    {
        text.AppendLine("| variant | flows | api | nest | reset | ops/s (median) | min–max | × ref (median) | × ref min–max | client CPU µs/op | Δ CPU µs/op vs ref |");
        text.AppendLine("|---|--:|---|--:|---|--:|--:|--:|--:|--:|--:|");
        foreach (var row in rows)
        {
            var ratio = row.IsReference ? "1 (ref)" : F3(row.RatioMedian);
            var ratioSpread = row.IsReference ? "" : $"{F3(row.Ratios.Min())}–{F3(row.Ratios.Max())}";
            var mark = row.IsSqlHelper && row.RatioMedian < Target ? " ✗" : "";
            var cpu = row.CpuPerOp.Count == 0 ? "n/a" : F1(row.CpuMedian);
            var cpuDelta = row.CpuPerOp.Count == 0 || row.IsReference ? "" : row.CpuDeltaMedian.ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Variant} | {row.Dims.Flows} | {row.Dims.ApiText} | {row.Dims.Nest} | {row.Dims.ResetText} | {N0(row.Median)} | {N0(row.OpsPerSecond.Min())}–{N0(row.OpsPerSecond.Max())} | {ratio}{mark} | {ratioSpread} | {cpu} | {cpuDelta} |");
        }
        text.AppendLine();
        text.AppendLine("An operation is one outermost open + select (+ the nested opens and selects) + dispose; nest 3 runs three point selects per operation.");
        text.AppendLine("“× ref” divides each round by the reference row of the same group in the same round (raw MySqlConnector+Dapper for scope rows,");
        text.AppendLine("raw Dapper on an open connection for the open-scope and sysbench rows); the median and range are over rounds. ✗ = below the 0.97 target.");
        text.AppendLine("The WhenDirty rows are not like-for-like (they skip the reset a point select does not need) and are not held to the target.");
        text.AppendLine("“client CPU” is this process's CPU time per operation (all threads, the server's CPU not included), median over rounds;");
        text.AppendLine("“Δ CPU” is the median over rounds of (this row − the reference row) in the same round: what the helper adds on the client.");
        text.AppendLine();

        text.AppendLine("Pooled over rows (every paired round of every row of the variant, so one noisy round weighs little):");
        text.AppendLine();
        text.AppendLine("| variant | api | rows | paired rounds | × ref, pooled median | × ref, 25th–75th percentile | rows at ≥ 0.97 | Δ client CPU µs/op, pooled median |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (var pool in rows.Where(static r => !r.IsReference).GroupBy(static r => (r.Variant, r.Dims.ApiText)))
        {
            var ratios = pool.SelectMany(static r => r.Ratios).ToArray();
            var cpu = pool.SelectMany(static r => r.CpuDeltas).ToArray();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {pool.Key.Variant} | {pool.Key.ApiText} | {pool.Count()} | {ratios.Length} | {F3(Statistics.Median(ratios))} | {F3(Statistics.Quantile(ratios, 0.25))}–{F3(Statistics.Quantile(ratios, 0.75))} | " +
                $"{pool.Count(static r => r.RatioMedian >= Target)} of {pool.Count()} | {(cpu.Length == 0 ? "n/a" : Statistics.Median(cpu).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture))} |");
        }
        text.AppendLine();

        var helperRows = rows.Where(static r => r.IsSqlHelper).ToArray();
        var missed = helperRows.Where(static r => r.RatioMedian < Target).ToArray();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Target ≥ {Target:F2}× the reference: {helperRows.Length - missed.Length} of {helperRows.Length} SqlHelper rows met on the median of paired rounds.");
        foreach (var row in missed)
            text.AppendLine(CultureInfo.InvariantCulture, $"- missed: {row.Variant}, {row.Dims}: ×{F3(row.RatioMedian)} (rounds {F3(row.Ratios.Min())}–{F3(row.Ratios.Max())})");
        text.AppendLine();
    }

    private static string N0(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
