using System.Globalization;
using System.Text;
using SqlHelpers.Scopes;

namespace SqlHelpers.Pooling;

/// <summary>Builds the message of <see cref="SqlPoolExhaustedException"/>: who holds the connections, for how long, and what to do.</summary>
internal static class ExhaustionReport
{
    public static SqlPoolExhaustedException Create(ExhaustionReason reason, int depth, int limit, int heldByThisFlow,
        IReadOnlyList<ScopeLease> live, ScopePool pool, TimeSpan acquireTimeout, Utilities.Clock clock)
    {
        var flows = live.Select(static l => l.FlowId).Distinct().Count();
        var oldest = live.Count == 0 ? TimeSpan.Zero : clock.Since(live.Min(static l => l.OpenedMilliseconds));
        var reserved = pool.MaxConnections - limit;
        var maxName = pool.IsReplica ? "ReplicaMaxConnections" : "MaxConnections";
        var likelyDeadlock = reason == ExhaustionReason.WouldDeadlock || heldByThisFlow >= limit;
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;

        text.Append(reason switch
        {
            ExhaustionReason.WouldDeadlock => string.Create(inv, $"Opening a scope at depth {depth} would wait forever: "),
            ExhaustionReason.TimedOut => string.Create(inv, $"Timed out after {acquireTimeout.TotalSeconds:0.###} s (AcquireTimeout) waiting to open a scope at depth {depth}: "),
            _ => string.Create(inv, $"Could not open a scope at depth {depth} without waiting (Blocking is off): "),
        });
        text.Append(inv, $"{live.Count} of {pool.MaxConnections} connections ({maxName}{(pool.IsReplica ? " on replica " + pool.Name : "")}) are held by open scopes of {flows} flow{(flows == 1 ? "" : "s")}, ");
        text.Append(inv, $"{heldByThisFlow} of them by the calling flow; the oldest has been held for {oldest.TotalSeconds:0.0} s.");
        if (reserved > 0)
            text.Append(inv, $" A scope at depth {depth} may only take a connection while fewer than {limit} are held ({reserved} reserved for nested scopes by ReservedForNested).");
        if (likelyDeadlock)
        {
            text.Append(inv, $" The calling flow's own {heldByThisFlow} open scope{(heldByThisFlow == 1 ? " holds" : "s hold")} every connection this scope may take, so it can only get one when an enclosing scope is disposed");
            text.Append(reason == ExhaustionReason.WouldDeadlock ? ", which cannot happen while this thread waits." : ".");
            text.Append(inv, $" Dispose an enclosing scope before opening this one, run this work in an enclosing scope instead of a new one, or raise {maxName}.");
        }
        else
        {
            text.Append(inv, $" Raise {maxName}, dispose scopes sooner, or raise ReservedForNested if nested scopes are starved by outermost ones.");
        }

        return new SqlPoolExhaustedException(text.ToString(), pool.MaxConnections, live.Count, heldByThisFlow, reason == ExhaustionReason.WouldDeadlock);
    }
}
