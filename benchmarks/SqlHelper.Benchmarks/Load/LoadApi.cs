namespace SqlHelpers.Benchmarks.Load;

/// <summary>How a flow of the load driver calls the database.</summary>
internal enum LoadApi
{
    /// <summary>Blocking calls on a dedicated thread per flow.</summary>
    Sync,

    /// <summary>Async calls, one task per flow on the thread pool.</summary>
    Async,

    /// <summary>sysbench's own threads (C client).</summary>
    Native,
}
