namespace SqlHelpers;

/// <summary>
/// The exception thrown when a scope should open on a cluster node (<see cref="SqlHelperOptions.ClusterNodes"/>) and no node
/// may take it: every node is unreachable, not synced, desynced or outside the primary component. Nothing was sent.
/// </summary>
public sealed class SqlClusterUnavailableException : SqlHelperException
{
    internal SqlClusterUnavailableException(IReadOnlyList<string> reasons)
        : base($"No node of the cluster can take a scope: {string.Join("; ", reasons.Select(static r => r.TrimEnd('.', ' ')))}. Scopes go only to nodes that are synced and in the primary component; nothing was sent. Open a new scope once the cluster has recovered.")
    {
        Reasons = reasons;
    }

    /// <summary>Gets, per node, why it was skipped (<c>host:port/database: reason</c>), in configuration order.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>Gets <c>true</c>: a node may come back (a restart, a healed network) and a new scope may then succeed.</summary>
    public override bool IsTransient => true;
}
