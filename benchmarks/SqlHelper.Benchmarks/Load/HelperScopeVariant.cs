namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// SqlHelper, a scope per operation: open, one point select, (nested: open again inside), dispose. In ambient mode the
/// query goes through <see cref="SqlHelper.FetchOne{T}"/>, which finds the scope as <see cref="SqlHelper.Current"/>, as
/// application code deep in a call chain would; in per-instance mode it runs on the scope it opened.
/// </summary>
internal sealed class HelperScopeVariant : InProcessVariant
{
    private readonly SqlHelper _db;
    private readonly bool _ambient;
    private readonly bool _whenDirty;
    private readonly int? _reservedForNested;

    /// <param name="dims">The group's dimensions (a contention group's pool size is <c>MaxConnections</c>).</param>
    /// <param name="connectionString">The driver's connection string, the same as raw's.</param>
    /// <param name="mode">Ambient (the flow's scope stack) or per-instance scopes.</param>
    /// <param name="sessionReset">The session reset policy.</param>
    /// <param name="reservedForNested">
    /// <see cref="SqlHelperOptions.ReservedForNested"/>; <c>null</c> leaves the default (1 in ambient mode, where outermost
    /// scopes then use at most N - 1 of the N connections; per-instance mode never reserves). Set, it is named in the row.
    /// </param>
    public HelperScopeVariant(LoadDims dims, string connectionString, ScopeMode mode, SessionResetPolicy sessionReset = SessionResetPolicy.Always, int? reservedForNested = null)
        : base(dims)
    {
        _ambient = mode == ScopeMode.AsyncFlowStack;
        _whenDirty = sessionReset == SessionResetPolicy.WhenDirty;
        _reservedForNested = reservedForNested;
        // One connection per scope the flows can hold at once, plus the one outermost scopes leave to nested ones; in a
        // contention group, the group's small pool (with the default reserve: in ambient mode outermost scopes use N - 1).
        _db = new SqlHelper(new SqlHelperOptions
        {
            ConnectionString = connectionString,
            Mode = mode,
            MaxConnections = dims.Connections ?? dims.Flows * dims.Nest + 1,
            AcquireTimeout = TimeSpan.FromSeconds(120),
            SessionReset = sessionReset,
            ReservedForNested = reservedForNested,
        });
    }

    /// <summary>The name of the row that resets only sessions a scope may have changed (not a like-for-like row).</summary>
    public const string WhenDirtyName = "SqlHelper ambient, SessionReset=WhenDirty";

    public override string Name => _whenDirty ? WhenDirtyName
        : (_ambient ? "SqlHelper ambient" : "SqlHelper per-instance") + (_reservedForNested is { } reserved ? $", ReservedForNested={reserved}" : "");

    public override void Trim() => _db.ClearPool();

    public override async ValueTask DisposeAsync()
    {
        if (_whenDirty)
        {
            // Under steady load every connection was used within PingAfterIdle, so none should have been pinged.
            var stats = _db.GetStatistics();
            Console.Error.WriteLine($"// {Name}, {Dims.Flows} flow(s) {Dims.Api}: {stats.ScopesOpened:N0} scopes, {stats.ConnectionPings} pings, {stats.SessionResets} resets, {stats.SessionResetsSkipped:N0} resets skipped");
        }
        await _db.DisposeAsync();
    }

    protected override void Run(LoadFlow flow) => Run(flow, 1);

    protected override Task RunAsync(LoadFlow flow) => RunAsync(flow, 1);

    private void Run(LoadFlow flow, int depth)
    {
        using var scope = _db.Open();
        var c = _ambient
            ? _db.FetchOne<string>(Workload.PointSelect, new { id = flow.NextId() })
            : scope.FetchOne<string>(Workload.PointSelect, new { id = flow.NextId() });
        if (c is null)
            throw new InvalidOperationException("The point select found no row.");
        if (depth < Dims.Nest)
            Run(flow, depth + 1);
    }

    private async Task RunAsync(LoadFlow flow, int depth)
    {
        var scope = await _db.OpenAsync();
        await using (scope)
        {
            var c = _ambient
                ? await _db.FetchOneAsync<string>(Workload.PointSelect, new { id = flow.NextId() })
                : await scope.FetchOneAsync<string>(Workload.PointSelect, new { id = flow.NextId() });
            if (c is null)
                throw new InvalidOperationException("The point select found no row.");
            if (depth < Dims.Nest)
                await RunAsync(flow, depth + 1);
        }
    }
}
