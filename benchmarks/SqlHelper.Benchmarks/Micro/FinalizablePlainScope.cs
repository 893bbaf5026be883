namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// <see cref="PlainScope"/> with a finalizer that does nothing: what a scope allocated while <see cref="SqlScope"/> itself
/// was finalizable (before its finalizer moved to the pooled reclaimer).
/// </summary>
internal sealed class FinalizablePlainScope(object helper, PlainLease lease)
{
    ~FinalizablePlainScope()
    {
    }

    public object Helper { get; } = helper;
    public PlainLease Lease { get; } = lease;
    public object? JoinTarget { get; set; }
    public object? Command { get; set; }
    public int State { get; set; }
    public int LiveChildren { get; set; }
    public bool TransactionOwner { get; set; }
    public bool RanStatement { get; set; }
    public object? Parent { get; set; }
}
