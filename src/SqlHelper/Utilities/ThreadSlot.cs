namespace SqlHelpers.Utilities;

/// <summary>Where a thread starts looking in an array of lock-free slots, so that threads spread over it instead of competing for the first slots.</summary>
internal static class ThreadSlot
{
    /// <summary>
    /// Returns <paramref name="threadId"/>'s first slot in an array of <paramref name="length"/> slots: its Fibonacci hash
    /// scaled to [0, length) by a multiply-shift (no division).
    /// </summary>
    public static int StartIndex(int threadId, int length) =>
        (int) ((ulong) ((uint) threadId * 0x9E3779B9u) * (uint) length >> 32);
}
