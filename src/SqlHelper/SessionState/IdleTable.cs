namespace SqlHelpers.SessionState;

/// <summary>
/// When each pooled connection of a pool was last given back, keyed by its server connection id. A fixed, lossy table:
/// one packed <see cref="long"/> per slot (id in the high half, a millisecond reading in the low half), written and read
/// without locks. A connection that is not found (new, or pushed out by another id in its slot) counts as unknown.
/// </summary>
internal sealed class IdleTable
{
    private readonly long[] _slots;
    private readonly int _mask;

    public IdleTable(int maxConnections)
    {
        var size = (int) Math.Min(1 << 20, System.Numerics.BitOperations.RoundUpToPowerOf2((uint) Math.Max(16, maxConnections * 4)));
        _slots = new long[size];
        _mask = size - 1;
    }

    /// <summary>Records that connection <paramref name="connectionId"/> went idle at <paramref name="nowMilliseconds"/>.</summary>
    public void MarkIdle(int connectionId, long nowMilliseconds) =>
        Volatile.Write(ref _slots[connectionId & _mask], ((long) connectionId << 32) | (uint) nowMilliseconds);

    /// <summary>Returns how long connection <paramref name="connectionId"/> has been idle, or <c>null</c> when unknown.</summary>
    public long? IdleMilliseconds(int connectionId, long nowMilliseconds)
    {
        var entry = Volatile.Read(ref _slots[connectionId & _mask]);
        if (entry == 0 || (int) (entry >> 32) != connectionId)
            return null;
        return unchecked((uint) nowMilliseconds - (uint) entry);
    }

    /// <summary>Forgets connection <paramref name="connectionId"/> (it was discarded).</summary>
    public void Forget(int connectionId)
    {
        ref var slot = ref _slots[connectionId & _mask];
        var entry = Volatile.Read(ref slot);
        if ((int) (entry >> 32) == connectionId)
            Interlocked.CompareExchange(ref slot, 0, entry);
    }
}
