namespace SqlHelpers.Benchmarks.Load;

/// <summary>One point of the workload's dimensions.</summary>
/// <param name="Flows">Concurrent flows (threads for sync, tasks for async).</param>
/// <param name="Api">How a flow calls: sync, async, or sysbench's C threads.</param>
/// <param name="Nest">Scopes (or connections) nested per operation, one point select in each.</param>
/// <param name="Reset">MySqlConnector's <c>ConnectionReset</c>; <c>null</c> where nothing is opened per operation.</param>
internal sealed record LoadDims(int Flows, LoadApi Api, int Nest, bool? Reset)
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

    public override string ToString() => $"flows={Flows} {ApiText} nest={Nest} reset={ResetText}";
}
