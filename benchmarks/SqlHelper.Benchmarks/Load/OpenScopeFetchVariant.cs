namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// <see cref="SqlScope.FetchOne{T}"/> on a scope each flow opened once, before the measurement: the helper's query path
/// alone, no open per operation.
/// </summary>
internal sealed class OpenScopeFetchVariant : InProcessVariant
{
    private readonly SqlHelper _db;

    public OpenScopeFetchVariant(LoadDims dims, string connectionString)
        : base(dims)
    {
        _db = new SqlHelper(new SqlHelperOptions
        {
            ConnectionString = connectionString,
            MaxConnections = dims.Flows + 1,
            AcquireTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public override string Name => "SqlHelper FetchOne on open scope";

    public override void Trim() => _db.ClearPool();

    public override async ValueTask DisposeAsync() => await _db.DisposeAsync();

    protected override void StartFlow(LoadFlow flow) => flow.Held = _db.Open();

    protected override async Task StartFlowAsync(LoadFlow flow) => flow.Held = await _db.OpenAsync();

    protected override void EndFlow(LoadFlow flow) => ((SqlScope?) flow.Held)?.Dispose();

    protected override async Task EndFlowAsync(LoadFlow flow)
    {
        if (flow.Held is SqlScope scope)
            await scope.DisposeAsync();
    }

    protected override void Run(LoadFlow flow)
    {
        if (((SqlScope) flow.Held!).FetchOne<string>(Workload.PointSelect, new { id = flow.NextId() }) is null)
            throw new InvalidOperationException("The point select found no row.");
    }

    protected override async Task RunAsync(LoadFlow flow)
    {
        if (await ((SqlScope) flow.Held!).FetchOneAsync<string>(Workload.PointSelect, new { id = flow.NextId() }) is null)
            throw new InvalidOperationException("The point select found no row.");
    }
}
