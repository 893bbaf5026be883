using Dapper;
using MySqlConnector;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// Raw MySqlConnector + Dapper doing what a scope does: new connection, open, one point select, (nested: a second and
/// third connection inside), dispose. The baseline of every scope row.
/// </summary>
internal sealed class RawScopeVariant(LoadDims dims, string connectionString) : InProcessVariant(dims)
{
    public const string VariantName = "raw MySqlConnector+Dapper";

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

    protected override void Run(LoadFlow flow) => Run(flow, 1);

    protected override Task RunAsync(LoadFlow flow) => RunAsync(flow, 1);

    private void Run(LoadFlow flow, int depth)
    {
        using var connection = new MySqlConnection(connectionString);
        connection.Open();
        _ = connection.QueryFirstOrDefault<string>(Workload.PointSelect, new { id = flow.NextId() })
            ?? throw new InvalidOperationException("The point select found no row.");
        if (depth < Dims.Nest)
            Run(flow, depth + 1);
    }

    private async Task RunAsync(LoadFlow flow, int depth)
    {
        var connection = new MySqlConnection(connectionString);
        await using (connection)
        {
            await connection.OpenAsync();
            _ = await connection.QueryFirstOrDefaultAsync<string>(Workload.PointSelect, new { id = flow.NextId() })
                ?? throw new InvalidOperationException("The point select found no row.");
            if (depth < Dims.Nest)
                await RunAsync(flow, depth + 1);
            }
    }
}
