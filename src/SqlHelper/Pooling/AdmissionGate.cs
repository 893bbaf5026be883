namespace SqlHelpers.Pooling;

/// <summary>
/// Counts the connections held by live scopes and admits a new scope only below a limit that depends on its depth.
/// The uncontended path is one compare-and-swap; callers that must wait queue in FIFO order, and a release hands its
/// slot straight to the first waiter whose limit allows it, so a waiter is never overtaken by a newcomer.
/// </summary>
internal sealed class AdmissionGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<AdmissionWaiter> _queue = new();
    private int _held;
    private int _waiting;

    /// <summary>Gets the number of held slots.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are held and nobody is queued.</summary>
    public bool TryEnter(int limit)
    {
        if (Volatile.Read(ref _waiting) != 0)
            return false;
        return TryIncrement(limit);
    }

    /// <summary>
    /// Queues for a slot. The returned waiter may already be completed (a slot became free while queueing).
    /// </summary>
    public AdmissionWaiter Enqueue(int limit)
    {
        var waiter = new AdmissionWaiter(limit);
        lock (_lock)
        {
            if (_queue.Count == 0 && TryIncrement(limit))
            {
                waiter.TrySetResult(true);
                return waiter;
            }
            waiter.Node = _queue.AddLast(waiter);
            Interlocked.Increment(ref _waiting);
            // A release that happened before _waiting was raised saw no waiter; hand over what it freed.
            DispatchLocked();
        }
        return waiter;
    }

    /// <summary>
    /// Removes a waiter that gave up (timeout, cancellation). Returns <c>false</c> when it was already admitted, in which
    /// case the caller holds a slot and must use or release it.
    /// </summary>
    public bool TryCancel(AdmissionWaiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node is null)
                return false;
            _queue.Remove(waiter.Node);
            waiter.Node = null;
            Interlocked.Decrement(ref _waiting);
            // Removing a waiter can unblock ones behind it whose limit is higher.
            DispatchLocked();
            return true;
        }
    }

    /// <summary>Returns a slot and admits waiters that now fit.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _held);
        if (Volatile.Read(ref _waiting) != 0)
        {
            lock (_lock)
                DispatchLocked();
        }
    }

    /// <summary>Fails every queued waiter with <paramref name="exception"/>.</summary>
    public void FailAll(Exception exception)
    {
        lock (_lock)
        {
            while (_queue.First is { } node)
            {
                _queue.RemoveFirst();
                node.Value.Node = null;
                Interlocked.Decrement(ref _waiting);
                node.Value.TrySetException(exception);
            }
        }
    }

    private void DispatchLocked()
    {
        // The queue is short (one entry per waiting caller) and limits differ by depth, so every waiter is considered:
        // a nested waiter behind an outermost one may fit where the outermost does not.
        var node = _queue.First;
        while (node is not null)
        {
            var next = node.Next;
            if (TryIncrement(node.Value.Limit))
            {
                _queue.Remove(node);
                node.Value.Node = null;
                Interlocked.Decrement(ref _waiting);
                node.Value.TrySetResult(true);
            }
            node = next;
        }
    }

    private bool TryIncrement(int limit)
    {
        var held = Volatile.Read(ref _held);
        while (held < limit)
        {
            var seen = Interlocked.CompareExchange(ref _held, held + 1, held);
            if (seen == held)
                return true;
            held = seen;
        }
        return false;
    }
}
