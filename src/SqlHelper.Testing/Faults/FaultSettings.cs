namespace SqlHelpers.Testing.Faults;

/// <summary>Every fault of a proxy at one moment. Immutable; <see cref="FaultState"/> swaps whole snapshots.</summary>
/// <param name="Upstream">The faults on client-to-server traffic.</param>
/// <param name="Downstream">The faults on server-to-client traffic.</param>
/// <param name="Blackhole">Forward nothing, and connect new connections upstream only once this is lifted.</param>
/// <param name="RefuseNewConnections">Reset new connections as soon as they are accepted.</param>
/// <param name="NeverGreet">Keep new connections open without ever connecting them upstream.</param>
/// <param name="ForgetIdleAfter">Stop forwarding, for good, on a connection that was idle longer than this; <c>null</c> for never.</param>
internal sealed record FaultSettings(
    DirectionFaults Upstream,
    DirectionFaults Downstream,
    bool Blackhole,
    bool RefuseNewConnections,
    bool NeverGreet,
    TimeSpan? ForgetIdleAfter)
{
    public static readonly FaultSettings None = new(DirectionFaults.None, DirectionFaults.None, false, false, false, null);

    public DirectionFaults For(ProxyDirection direction) => direction == ProxyDirection.Upstream ? Upstream : Downstream;

    /// <summary>Gets whether a chunk read in <paramref name="direction"/> can be forwarded at once, without looking at anything else.</summary>
    public bool IsCleanFor(ProxyDirection direction) => !Blackhole && ForgetIdleAfter is null && For(direction).IsClean;

    public override string ToString()
    {
        var parts = new List<string>();
        if (Upstream.ToString() is { Length: > 0 } upstream)
            parts.Add("upstream " + upstream);
        if (Downstream.ToString() is { Length: > 0 } downstream)
            parts.Add("downstream " + downstream);
        if (Blackhole)
            parts.Add("blackhole");
        if (RefuseNewConnections)
            parts.Add("refuse new connections");
        if (NeverGreet)
            parts.Add("never greet");
        if (ForgetIdleAfter is { } idle)
            parts.Add(FormattableString.Invariant($"forget connections idle for {idle.TotalMilliseconds:0.#} ms"));
        return parts.Count == 0 ? "no faults" : string.Join("; ", parts);
    }
}
