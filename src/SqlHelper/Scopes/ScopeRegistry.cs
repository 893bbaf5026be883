using SqlHelpers.Utilities;

namespace SqlHelpers.Scopes;

/// <summary>
/// The leases of live scopes, one slot per connection the helper may hold. Registering is a compare-and-swap into a free
/// slot (admission guarantees one exists); a snapshot walks the slots. No lock, no allocation on the hot path.
/// </summary>
/// <remarks>
/// Each thread starts its search at its own place (a hash of the opening thread's id spread over the slots), and nothing
/// but the slot itself is written: concurrent opens on different threads neither compete for the same slots nor bounce
/// a shared hint between cores. A thread that opens and disposes scopes one at a time finds its first slot free.
/// </remarks>
internal sealed class ScopeRegistry(int capacity)
{
    private readonly ScopeLease?[] _slots = new ScopeLease?[capacity];

    /// <summary>Puts <paramref name="lease"/> into a free slot. The caller holds an admission slot, so one is free.</summary>
    public void Add(ScopeLease lease)
    {
        var length = _slots.Length;
        // The lease read the opening thread's id when it was made; reading it again costs a thread-local lookup in the runtime.
        var start = ThreadSlot.StartIndex(lease.ThreadId, length);
        for (var pass = 0; ; pass++)
        {
            for (var i = 0; i < length; i++)
            {
                var index = start + i;
                if (index >= length)
                    index -= length;
                if (_slots[index] is null && Interlocked.CompareExchange(ref _slots[index], lease, null) is null)
                {
                    lease.Slot = index;
                    return;
                }
            }
            // A releasing scope clears its slot just before it frees its admission slot; a racing add can miss it once.
            if (pass > 1000)
                throw new InvalidOperationException("SqlHelper's scope registry is full; this is a bug in SqlHelper.");
            Thread.SpinWait(1 + pass);
        }
    }

    /// <summary>Frees the slot of <paramref name="lease"/>.</summary>
    public void Remove(ScopeLease lease)
    {
        if (lease.Slot >= 0)
        {
            Volatile.Write(ref _slots[lease.Slot], null);
            lease.Slot = -1;
        }
    }

    /// <summary>Copies the live leases.</summary>
    public List<ScopeLease> Snapshot()
    {
        var result = new List<ScopeLease>();
        foreach (var slot in _slots)
        {
            if (slot is { } lease)
                result.Add(lease);
        }
        return result;
    }
}
