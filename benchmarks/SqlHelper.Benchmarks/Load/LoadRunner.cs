using System.Diagnostics;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// Runs the groups: each group's variants are warmed up once, then measured in <see cref="LoadOptions.Rounds"/> rounds,
/// the order rotating every round (A B C, B C A, C A B, ...) so that drift on a busy machine falls on every variant alike.
/// </summary>
internal sealed class LoadRunner(LoadOptions options, TextWriter progress)
{
    /// <summary>Above this many pooled connections per group, pools are emptied after every slot to stay under the server's limit.</summary>
    private const int MaxIdleConnections = 300;

    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(30);

    private static readonly TimeSpan ContentionSettle = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs every variant of <paramref name="groups"/> once, unmeasured (see <see cref="LoadPlan.BuildWarmup"/>).</summary>
    public async Task WarmUpAsync(IReadOnlyList<LoadGroup> groups, TimeSpan duration)
    {
        var stopwatch = Stopwatch.StartNew();
        foreach (var group in groups)
        {
            foreach (var create in group.Variants)
            {
                var variant = create();
                try
                {
                    await MeasureSlotAsync(variant, TimeSpan.Zero, duration, trim: false);
                }
                finally
                {
                    await variant.DisposeAsync();
                }
            }
        }
        progress.WriteLine($"// warm-up: every code path once ({stopwatch.Elapsed.TotalSeconds:F1} s)");
    }

    public async Task<IReadOnlyList<LoadRow>> RunAsync(IReadOnlyList<LoadGroup> groups)
    {
        var rows = new List<LoadRow>();
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var stopwatch = Stopwatch.StartNew();
            var groupRows = await RunGroupAsync(group);
            rows.AddRange(groupRows);
            progress.WriteLine($"// [{g + 1}/{groups.Count}] {group.Dims} ({stopwatch.Elapsed.TotalSeconds:F1} s): " +
                string.Join(", ", groupRows.Select(static r => $"{r.Variant} {r.Median:N0}/s" + (r.IsReference ? "" : $" ×{r.RatioMedian:F3}")
                    + (r.CpuPerOp.Count == 0 || r.IsReference ? "" : $" CPU {r.CpuDeltaMedian:+0.0;-0.0} µs/op")
                    + (r.LatencyP99.Count == 0 ? "" : $" p99 {r.LatencyP99Median:F2} ms")
                    + (r.WorkItemsPerOp.Count == 0 ? "" : $" {r.WorkItemsPerOpMedian:F2} items/op"))));
        }
        return rows;
    }

    private async Task<IReadOnlyList<LoadRow>> RunGroupAsync(LoadGroup group)
    {
        var variants = group.Variants.Select(static create => create()).ToArray();
        try
        {
            var trim = (group.Dims.Connections ?? group.Dims.Flows * group.Dims.Nest) * variants.Length > MaxIdleConnections;
            var results = variants.Select(_ => new LoadSample[options.Rounds]).ToArray();
            var duration = group.Dims.IsContention ? options.ContentionDuration : options.Duration;
            foreach (var variant in variants)
            {
                await MeasureSlotAsync(variant, TimeSpan.Zero, options.Warmup, trim);
            }
            for (var round = 0; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var index = (round + k) % variants.Length;
                    // An emptied pool refills while the slot warms up: give it time to.
                    // A contention slot starts hundreds of flows: let them reach a steady queue first.
                    var warmup = trim ? TimeSpan.FromSeconds(1) : group.Dims.IsContention ? ContentionSettle : Settle;
                    results[index][round] = await MeasureSlotAsync(variants[index], warmup, duration, trim);
                }
            }
            var reference = Array.FindIndex(variants, v => v.Name == group.Reference);
            return [.. variants.Select((v, i) => new LoadRow(
                v.Name,
                v.Describe(group.Dims),
                group.Reference,
                [.. results[i].Select(static s => s.OpsPerSecond)],
                [.. results[i].Select((s, round) => s.OpsPerSecond / results[reference][round].OpsPerSecond)],
                results[i][0].CpuMicrosecondsPerOp is null ? [] : [.. results[i].Select(static s => s.CpuMicrosecondsPerOp ?? double.NaN)],
                results[i][0].CpuMicrosecondsPerOp is null ? [] : [.. results[i].Select((s, round) => (s.CpuMicrosecondsPerOp ?? double.NaN) - (results[reference][round].CpuMicrosecondsPerOp ?? double.NaN))],
                results[i][0].LatencyP99Milliseconds is null ? [] : [.. results[i].Select(static s => s.LatencyP99Milliseconds ?? double.NaN)],
                results[i][0].LatencyP99Milliseconds is null ? [] : [.. results[i].Select((s, round) => (s.LatencyP99Milliseconds ?? double.NaN) / (results[reference][round].LatencyP99Milliseconds ?? double.NaN))],
                results[i][0].LatencyP50Milliseconds is null ? [] : [.. results[i].Select(static s => s.LatencyP50Milliseconds ?? double.NaN)],
                results[i][0].WorkItemsPerOp is null ? [] : [.. results[i].Select(static s => s.WorkItemsPerOp ?? double.NaN)]))];
        }
        finally
        {
            foreach (var variant in variants)
                await variant.DisposeAsync();
        }
    }

    private static async Task<LoadSample> MeasureSlotAsync(LoadVariant variant, TimeSpan warmup, TimeSpan duration, bool trim)
    {
        // Garbage left by the previous slot is collected before this one starts, not during it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var sample = await variant.MeasureAsync(warmup, duration);
        if (trim)
            variant.Trim();
        return sample;
    }
}
