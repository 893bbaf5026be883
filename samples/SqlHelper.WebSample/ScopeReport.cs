namespace SqlHelpers.WebSample;

/// <summary>One level of a request's scope stack.</summary>
/// <param name="Depth">The depth of <see cref="SqlHelper.Current"/> (1 = the request's own scope).</param>
/// <param name="ConnectionId">The server's <c>CONNECTION_ID()</c>, as a query through <see cref="SqlHelper"/> saw it.</param>
/// <param name="CurrentConnectionId">The connection id of <see cref="SqlHelper.Current"/>'s connection, as the client knows it.</param>
/// <param name="Tag">The session's <c>@request_tag</c>: set only on the request's own connection.</param>
internal sealed record ScopeReport(int Depth, long ConnectionId, long? CurrentConnectionId, long? Tag);
