namespace SqlHelpers.Benchmarks.Micro;

/// <summary>An object with the fields of <see cref="SqlScope"/> and no finalizer: the floor for a scope.</summary>
internal sealed class PlainScope(object helper, PlainLease lease)
{
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
