namespace SqlHelpers.WebSample;

/// <summary>Endpoints that show which scopes a request sees.</summary>
internal static class ScopeEndpoints
{
    /// <summary><c>GET /whoami</c>: the request's own scope, depth 1, and its connection.</summary>
    public static async Task<ScopeReport> WhoAmIAsync(SqlHelper db, CancellationToken cancellationToken) =>
        await ReportAsync(db, cancellationToken);

    /// <summary>
    /// <c>GET /nested?tag=N&amp;holdMs=M</c>: nests two more scopes inside the request's, reports each level, holds all
    /// three connections for <c>holdMs</c>, then reports the request's scope again after they unwind. The request's
    /// session variable <c>@request_tag</c> is set to <c>tag</c> first, so the last report proves the request came back
    /// to its own connection.
    /// </summary>
    public static async Task<NestedReport> NestedAsync(SqlHelper db, long? tag, int? holdMs, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync("SET @request_tag = @tag", new { tag }, cancellationToken);
        var levels = new List<ScopeReport> { await ReportAsync(db, cancellationToken) };
        DateTime heldFrom, heldUntil;

        await using (var second = await db.OpenAsync(cancellationToken))
        {
            levels.Add(await ReportAsync(db, cancellationToken));
            await using (var third = await db.OpenAsync(cancellationToken))
            {
                levels.Add(await ReportAsync(db, cancellationToken));
                heldFrom = DateTime.UtcNow;
                if (holdMs is > 0)
                    await Task.Delay(holdMs.Value, cancellationToken);
                heldUntil = DateTime.UtcNow;
            }
        }

        return new NestedReport(levels, await ReportAsync(db, cancellationToken), heldFrom, heldUntil);
    }

    /// <summary>Reports the calling flow's current scope as the server sees it.</summary>
    private static async Task<ScopeReport> ReportAsync(SqlHelper db, CancellationToken cancellationToken)
    {
        var row = await db.FetchOneAsync<(long ConnectionId, long? Tag)>("SELECT CAST(CONNECTION_ID() AS SIGNED), @request_tag", cancellationToken: cancellationToken);
        return new ScopeReport(db.Depth, row.ConnectionId, db.Current?.Connection.ServerThread, row.Tag);
    }
}
