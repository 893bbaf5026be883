namespace SqlHelpers.Benchmarks.Load;

/// <summary>One line of the report: a variant at one point of the dimensions, over every round.</summary>
/// <param name="Variant">The variant's name.</param>
/// <param name="Dims">Its dimensions.</param>
/// <param name="Reference">The variant its ratio is to.</param>
/// <param name="OpsPerSecond">Operations per second, one value per round.</param>
/// <param name="Ratios">This round's value divided by the reference's value in the same round, one per round.</param>
/// <param name="CpuPerOp">This process's CPU µs per operation, one per round; empty for sysbench.</param>
/// <param name="CpuDeltas">This round's CPU µs/op minus the reference's in the same round; empty for sysbench.</param>
/// <param name="LatencyP99">The 99th percentile of operation times in ms, one per round; empty outside contention groups.</param>
/// <param name="LatencyP99Ratios">This round's p99 divided by the reference's p99 in the same round; empty outside contention groups.</param>
/// <param name="LatencyP50">The median operation time in ms, one per round; empty outside contention groups.</param>
/// <param name="WorkItemsPerOp">Thread-pool work items completed per operation, one per round; empty outside contention groups.</param>
internal sealed record LoadRow(
    string Variant,
    LoadDims Dims,
    string Reference,
    IReadOnlyList<double> OpsPerSecond,
    IReadOnlyList<double> Ratios,
    IReadOnlyList<double> CpuPerOp,
    IReadOnlyList<double> CpuDeltas,
    IReadOnlyList<double> LatencyP99,
    IReadOnlyList<double> LatencyP99Ratios,
    IReadOnlyList<double> LatencyP50,
    IReadOnlyList<double> WorkItemsPerOp)
{
    public bool IsReference => Variant == Reference;

    /// <summary>Gets whether this is a like-for-like SqlHelper row, held to the ≥ 0.97 target.</summary>
    public bool IsSqlHelper => Variant.StartsWith("SqlHelper", StringComparison.Ordinal) && Variant != HelperScopeVariant.WhenDirtyName;

    public double Median => Statistics.Median(OpsPerSecond);

    public double RatioMedian => Statistics.Median(Ratios);

    public double CpuMedian => Statistics.Median(CpuPerOp);

    public double CpuDeltaMedian => Statistics.Median(CpuDeltas);

    public double LatencyP99Median => Statistics.Median(LatencyP99);

    public double LatencyP99RatioMedian => Statistics.Median(LatencyP99Ratios);

    public double LatencyP50Median => Statistics.Median(LatencyP50);

    public double WorkItemsPerOpMedian => Statistics.Median(WorkItemsPerOp);
}
