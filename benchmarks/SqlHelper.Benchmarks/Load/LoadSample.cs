namespace SqlHelpers.Benchmarks.Load;

/// <summary>What one measured slot gave.</summary>
/// <param name="OpsPerSecond">Operations completed per wall-clock second.</param>
/// <param name="CpuMicrosecondsPerOp">
/// This process's CPU time (every thread: flows, thread pool, GC) per operation, or <c>null</c> for a variant that runs
/// elsewhere (sysbench). Other processes slow the wall clock far more than they inflate this, so it shows what the
/// client-side code costs even on a busy machine; the server's CPU is not in it.
/// </param>
/// <param name="LatencyP99Milliseconds">
/// The 99th percentile of the time one operation took (open, wait for a connection, query, release), over the operations
/// that ended inside the measured window; <c>null</c> where latencies are not recorded (only contention groups record them).
/// </param>
/// <param name="LatencyP50Milliseconds">The median of the same operation times.</param>
/// <param name="WorkItemsPerOp">
/// Thread-pool work items this process completed per operation (<see cref="ThreadPool.CompletedWorkItemCount"/>): the
/// hops an operation costs (a woken waiter's continuation, an I/O completion, a timer), in contention groups only.
/// </param>
internal readonly record struct LoadSample(double OpsPerSecond, double? CpuMicrosecondsPerOp, double? LatencyP99Milliseconds = null, double? LatencyP50Milliseconds = null, double? WorkItemsPerOp = null);
