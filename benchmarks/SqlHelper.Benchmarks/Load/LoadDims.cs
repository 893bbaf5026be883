namespace SqlHelpers.Benchmarks.Load;

/// <summary>One point of the workload's dimensions.</summary>
/// <param name="Flows">Concurrent flows (threads for sync, tasks for async).</param>
/// <param name="Api">How a flow calls: sync, async, or sysbench's C threads.</param>
/// <param name="Nest">Scopes (or connections) nested per operation, one point select in each.</param>
/// <param name="Reset">MySqlConnector's <c>ConnectionReset</c>; <c>null</c> where nothing is opened per operation.</param>
/// <param name="Connections">
/// The pool size of a contention group (MySqlConnector's <c>Maximum Pool Size</c> and SqlHelper's <c>MaxConnections</c>,
/// far below <see cref="Flows"/>, so flows wait for connections); <c>null</c> where the pools are sized so nobody waits.
/// </param>
internal sealed record LoadDims(int Flows, LoadApi Api, int Nest, bool? Reset, int? Connections = null)
{
    public string ApiText => Api switch
    {
        LoadApi.Sync => "sync",
        LoadApi.Async => "async",
        _ => "C threads",
    };

    public string ResetText => Reset switch
    {
        true => "on",
        false => "off",
        null => "n/a",
    };

    /// <summary>Gets whether flows contend for a pool smaller than their number.</summary>
    public bool IsContention => Connections is not null;

    public override string ToString() =>
        $"flows={Flows}{(Connections is { } connections ? $" connections={connections}" : "")} {ApiText} nest={Nest} reset={ResetText}";
}
