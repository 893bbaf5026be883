namespace SqlHelpers.Pooling;

/// <summary>
/// The gate's waiters in arrival order, linked through the waiters themselves (no node to allocate). Not thread-safe:
/// the gate uses it under its lock.
/// </summary>
internal sealed class AdmissionQueue
{
    private AdmissionWaiter? _last;

    /// <summary>Gets the oldest waiter, or <c>null</c> when none is queued.</summary>
    public AdmissionWaiter? First { get; private set; }

    /// <summary>
    /// Gets the highest limit of the waiters queued since the queue was last empty: while that many slots are held, no
    /// queued waiter can fit, so a dispatch can stop at once.
    /// </summary>
    public int Ceiling { get; private set; }

    public void Append(AdmissionWaiter waiter)
    {
        waiter.Previous = _last;
        if (_last is null)
            First = waiter;
        else
            _last.Next = waiter;
        _last = waiter;
        waiter.Queued = true;
        if (waiter.Limit > Ceiling)
            Ceiling = waiter.Limit;
    }

    public void Remove(AdmissionWaiter waiter)
    {
        if (waiter.Previous is { } previous)
            previous.Next = waiter.Next;
        else
            First = waiter.Next;
        if (waiter.Next is { } next)
            next.Previous = waiter.Previous;
        else
            _last = waiter.Previous;
        waiter.Previous = null;
        waiter.Next = null;
        waiter.Queued = false;
        if (First is null)
            Ceiling = 0;
    }
}
