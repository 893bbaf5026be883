namespace SqlHelpers.Benchmarks.Load;

/// <summary>sysbench <c>oltp_point_select</c> with one thread per flow: the C client on connections it keeps open.</summary>
internal sealed class SysbenchVariant(LoadDims dims, SysbenchTool sysbench) : LoadVariant
{
    public override string Name => "sysbench oltp_point_select";

    public override LoadDims Describe(LoadDims groupDims) => dims;

    public override async Task<LoadSample> MeasureAsync(TimeSpan warmup, TimeSpan duration) =>
        // sysbench counts whole seconds and connects before it starts its clock, so it needs no warm-up of ours.
        new(await sysbench.RunAsync(dims.Flows, Math.Max(1, (int) Math.Round(duration.TotalSeconds))), null);
}
