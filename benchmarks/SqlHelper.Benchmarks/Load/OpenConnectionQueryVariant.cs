using Dapper;
using MySqlConnector;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// Dapper's <c>QueryFirstOrDefault</c> on a connection each flow opened once, before the measurement: the baseline of
/// the "already open" rows, and what sysbench's row is compared with.
/// </summary>
internal sealed class OpenConnectionQueryVariant(LoadDims dims, string connectionString) : InProcessVariant(dims)
{
    public const string VariantName = "raw Dapper on open connection";

    public override string Name => VariantName;

    public override void Trim()
    {
        using var connection = new MySqlConnection(connectionString);
        MySqlConnection.ClearPool(connection);
    }

    public override ValueTask DisposeAsync()
    {
        Trim();
        return default;
    }

    protected override void StartFlow(LoadFlow flow)
    {
        var connection = new MySqlConnection(connectionString);
        connection.Open();
        flow.Held = connection;
    }

    protected override async Task StartFlowAsync(LoadFlow flow)
    {
        var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        flow.Held = connection;
    }

    protected override void EndFlow(LoadFlow flow) => ((MySqlConnection?) flow.Held)?.Dispose();

    protected override async Task EndFlowAsync(LoadFlow flow)
    {
        if (flow.Held is MySqlConnection connection)
            await connection.DisposeAsync();
    }

    protected override void Run(LoadFlow flow)
    {
        if (((MySqlConnection) flow.Held!).QueryFirstOrDefault<string>(Workload.PointSelect, new { id = flow.NextId() }) is null)
            throw new InvalidOperationException("The point select found no row.");
    }

    protected override async Task RunAsync(LoadFlow flow)
    {
        if (await ((MySqlConnection) flow.Held!).QueryFirstOrDefaultAsync<string>(Workload.PointSelect, new { id = flow.NextId() }) is null)
            throw new InvalidOperationException("The point select found no row.");
    }
}
