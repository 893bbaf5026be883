namespace SqlHelpers.WebSample;

/// <summary>What <c>GET /nested</c> saw.</summary>
/// <param name="Levels">The three levels, outermost (the request's scope) first.</param>
/// <param name="After">The request's scope again, after the nested scopes were disposed.</param>
/// <param name="HeldFrom">When all three connections were held (UTC).</param>
/// <param name="HeldUntil">Until when they were all still held (UTC).</param>
internal sealed record NestedReport(IReadOnlyList<ScopeReport> Levels, ScopeReport After, DateTime HeldFrom, DateTime HeldUntil);
