namespace SqlHelpers.Testing;

/// <summary>What a Galera node says about itself and its cluster (its <c>wsrep_%</c> status variables) at one moment.</summary>
public sealed class MySqlTestClusterNodeStatus
{
    /// <summary>The <c>wsrep_local_state</c> of a node that is in sync with its cluster.</summary>
    public const int SyncedState = 4;

    internal MySqlTestClusterNodeStatus(int clusterSize, string clusterStatus, int localState, string localStateComment, bool isReady)
    {
        ClusterSize = clusterSize;
        ClusterStatus = clusterStatus;
        LocalState = localState;
        LocalStateComment = localStateComment;
        IsReady = isReady;
    }

    /// <summary>Gets <c>wsrep_cluster_size</c>: how many nodes the node's current component has.</summary>
    public int ClusterSize { get; }

    /// <summary>Gets <c>wsrep_cluster_status</c>: <c>Primary</c>, <c>non-Primary</c> or <c>Disconnected</c>.</summary>
    public string ClusterStatus { get; }

    /// <summary>Gets <c>wsrep_local_state</c>: 1 joining, 2 donor, 3 joined, 4 synced (<see cref="SyncedState"/>), 0 when not in a primary component.</summary>
    public int LocalState { get; }

    /// <summary>Gets <c>wsrep_local_state_comment</c>, e.g. <c>Synced</c>, <c>Joining: receiving State Transfer</c> or <c>Initialized</c>.</summary>
    public string LocalStateComment { get; }

    /// <summary>Gets whether <c>wsrep_ready</c> is ON: the node accepts queries.</summary>
    public bool IsReady { get; }

    /// <summary>Gets whether the node is in the primary component (<c>wsrep_cluster_status = Primary</c>).</summary>
    public bool IsPrimary => ClusterStatus == "Primary";

    /// <summary>Gets whether the node is synced: in the primary component, <c>wsrep_local_state = 4</c> and ready.</summary>
    public bool IsSynced => IsPrimary && LocalState == SyncedState && IsReady;

    /// <summary>Describes the status in one line.</summary>
    /// <returns>For example <c>size 3, Primary, Synced (4), ready</c>.</returns>
    public override string ToString() =>
        $"size {ClusterSize}, {ClusterStatus}, {LocalStateComment} ({LocalState}), {(IsReady ? "ready" : "not ready")}";
}
