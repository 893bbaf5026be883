namespace SqlHelpers;

/// <summary>A snapshot of one live scope, as returned by <see cref="SqlHelper.GetOpenScopes"/>.</summary>
public sealed class SqlScopeInfo
{
    /// <summary>Gets the scope's id, unique within its helper.</summary>
    public long ScopeId { get; init; }

    /// <summary>Gets the id of the scope stack it belongs to (the id of that stack's outermost scope).</summary>
    public long FlowId { get; init; }

    /// <summary>Gets the scope's depth (1 = outermost of its flow).</summary>
    public int Depth { get; init; }

    /// <summary>Gets how long the scope has been held.</summary>
    public TimeSpan Age { get; init; }

    /// <summary>Gets the server's id for the scope's connection (<c>CONNECTION_ID()</c>), or <c>null</c> while it is still opening.</summary>
    public int? ConnectionId { get; init; }

    /// <summary>Gets the managed thread that opened the scope.</summary>
    public int ThreadId { get; init; }

    /// <summary>Gets where the scope was opened, when <see cref="SqlHelperOptions.CaptureOpenSite"/> is on; otherwise <c>null</c>.</summary>
    public string? OpenSite { get; init; }

    /// <summary>Returns a one-line description of the scope.</summary>
    /// <returns>A description such as <c>scope 12 (flow 7, depth 2, connection 345) held for 1.250 s</c>.</returns>
    public override string ToString() =>
        $"scope {ScopeId} (flow {FlowId}, depth {Depth}, connection {(ConnectionId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "opening")}) held for {Age.TotalSeconds:0.000} s";
}
