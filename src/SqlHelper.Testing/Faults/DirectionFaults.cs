namespace SqlHelpers.Testing.Faults;

/// <summary>The faults set for one direction of traffic. Immutable; <see cref="FaultState"/> swaps whole snapshots.</summary>
/// <param name="Latency">How long each chunk is held after it is read.</param>
/// <param name="Jitter">The most the latency of a chunk varies, up or down, at random.</param>
/// <param name="BytesPerSecond">The bandwidth limit, or <c>null</c> for none.</param>
/// <param name="CloseAfterBytes">How many more bytes are forwarded before the connection is closed, or <c>null</c> for no limit.</param>
/// <param name="CloseAfterVersion">Changes each time the limit is set, so that every connection starts counting again.</param>
internal sealed record DirectionFaults(TimeSpan Latency, TimeSpan Jitter, long? BytesPerSecond, long? CloseAfterBytes, long CloseAfterVersion)
{
    public static readonly DirectionFaults None = new(TimeSpan.Zero, TimeSpan.Zero, null, null, 0);

    public bool IsClean => Latency == TimeSpan.Zero && Jitter == TimeSpan.Zero && BytesPerSecond is null && CloseAfterBytes is null;

    /// <summary>Gets the latency of one chunk, for a random <paramref name="sample"/> between -1 and 1; never negative.</summary>
    public TimeSpan DelayFor(double sample)
    {
        var delay = Latency + (Jitter * sample);
        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Latency != TimeSpan.Zero || Jitter != TimeSpan.Zero)
            parts.Add(FormattableString.Invariant($"latency {Latency.TotalMilliseconds:0.#} ms ± {Jitter.TotalMilliseconds:0.#} ms"));
        if (BytesPerSecond is { } rate)
            parts.Add(FormattableString.Invariant($"bandwidth {rate} B/s"));
        if (CloseAfterBytes is { } limit)
            parts.Add(FormattableString.Invariant($"close after {limit} bytes"));
        return string.Join(", ", parts);
    }
}
