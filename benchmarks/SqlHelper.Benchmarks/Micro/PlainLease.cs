namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// An object with the fields of <see cref="Scopes.ScopeLease"/>, filled the same way (tick count, thread id), and no
/// behaviour: the floor for a lease.
/// </summary>
internal sealed class PlainLease(long id)
{
    public int Released { get; set; }
    public int LeakReported { get; set; }
    public long Id { get; } = id;
    public long FlowId { get; } = id;
    public int Depth { get; } = 1;
    public string? OpenSite { get; set; }
    public int ThreadId { get; } = Environment.CurrentManagedThreadId;
    public long OpenedTimestamp { get; } = Environment.TickCount64;
    public object? Pool { get; set; }
    public bool Wrote { get; set; }
    public object? Connection { get; set; }
    public int? ConnectionId { get; set; }
    public bool IsJoined { get; set; }
    public object? Transaction { get; set; }
    public bool Dirty { get; set; }
    public int Slot { get; set; } = -1;
    public object? Activity { get; set; }
}
