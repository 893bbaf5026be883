using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.Routing;

/// <summary>
/// The one owner of server health, for the replicas or (a second instance) the nodes of a cluster: the periodic monitor, a
/// failed open and a statement a cluster node refused as not prepared (error 1047) all report here, and only here is a
/// server marked down or up and the transition logged.
/// </summary>
internal sealed class ReplicaHealth
{
    private readonly ScopeEvents _events;

    public ReplicaHealth(ScopePool[] replicas, ScopeEvents events, bool clusterNodes = false)
    {
        Replicas = replicas;
        _events = events;
        States = [.. replicas.Select(static _ => new ServerHealth())];
        if (clusterNodes)
        {
            foreach (var node in replicas)
                node.ReportFailure = ReportUnreachable;
        }
        else if (replicas.Length != 0)
            events.ObserveReplicas(() => States.Count(static s => s.IsAvailable));
    }

    /// <summary>Gets the replicas (or cluster nodes), in configuration order.</summary>
    public ScopePool[] Replicas { get; }

    /// <summary>Gets the health of each replica, in the order of <see cref="Replicas"/>.</summary>
    public ServerHealth[] States { get; }

    /// <summary>Records what a health check saw of replica <paramref name="index"/>.</summary>
    public void Record(int index, bool available, TimeSpan? lag, string? reason)
    {
        if (!States[index].Set(available, lag, reason))
            return;
        if (available)
            _events.ReplicaAvailable(Replicas[index].Name);
        else
            _events.ReplicaUnavailable(Replicas[index].Name, reason!);
    }

    /// <summary>Marks a server down after an open on it failed (or a cluster node refused a statement as not prepared); the next successful check brings it back.</summary>
    public void ReportUnreachable(ScopePool replica, MySqlException exception)
    {
        var index = Array.IndexOf(Replicas, replica);
        if (index < 0)
            return;
        Record(index, available: false, lag: null, $"unreachable: {SecretRedactor.Redact(exception.Message, replica.Source.ConnectionString)}");
    }
}
