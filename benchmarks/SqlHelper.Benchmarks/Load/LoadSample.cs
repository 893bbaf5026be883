namespace SqlHelpers.Benchmarks.Load;

/// <summary>What one measured slot gave.</summary>
/// <param name="OpsPerSecond">Operations completed per wall-clock second.</param>
/// <param name="CpuMicrosecondsPerOp">
/// This process's CPU time (every thread: flows, thread pool, GC) per operation, or <c>null</c> for a variant that runs
/// elsewhere (sysbench). Other processes slow the wall clock far more than they inflate this, so it shows what the
/// client-side code costs even on a busy machine; the server's CPU is not in it.
/// </param>
internal readonly record struct LoadSample(double OpsPerSecond, double? CpuMicrosecondsPerOp);
