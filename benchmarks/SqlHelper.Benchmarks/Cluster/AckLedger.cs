using System.Collections.Concurrent;
using System.Diagnostics;

namespace SqlHelpers.Benchmarks.Cluster;

/// <summary>The writes the flows saw acknowledged, with the time of each, to find the gaps around a node kill.</summary>
internal sealed class AckLedger
{
    private readonly ConcurrentQueue<(long Op, long AtTicks)> _acks = new();
    private long _errors;

    public long Errors => Interlocked.Read(ref _errors);

    public int Count => _acks.Count;

    public IEnumerable<long> Ops => _acks.Select(static a => a.Op);

    public void Ack(long op) => _acks.Enqueue((op, Stopwatch.GetTimestamp()));

    public void Fail() => Interlocked.Increment(ref _errors);

    /// <summary>Returns the gaps (ms) between consecutive acknowledgements from <paramref name="fromTicks"/> on, the first measured from that moment.</summary>
    public List<double> GapsAfter(long fromTicks)
    {
        var times = _acks.Select(static a => a.AtTicks).Where(t => t >= fromTicks).Order().ToList();
        var gaps = new List<double>(times.Count);
        var previous = fromTicks;
        foreach (var time in times)
        {
            gaps.Add((time - previous) * 1000.0 / Stopwatch.Frequency);
            previous = time;
        }
        return gaps;
    }
}
