namespace SqlHelpers;

/// <summary>The state of one replica, as returned by <see cref="SqlHelper.GetReplicaStatus"/>.</summary>
/// <param name="Name">The replica as <c>host:port/database</c>; never credentials.</param>
/// <param name="IsAvailable">Whether read-only scopes are routed to it.</param>
/// <param name="Lag">The replication lag (<c>Seconds_Behind_Master</c>) seen by the last check, when reported.</param>
/// <param name="UnavailableReason">Why it is skipped (down, lagging, replication stopped), or <c>null</c>.</param>
/// <param name="HeldConnections">Connections held on it by live read-only scopes.</param>
public sealed record SqlReplicaStatus(string Name, bool IsAvailable, TimeSpan? Lag, string? UnavailableReason, int HeldConnections);
