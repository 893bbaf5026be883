using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// Scope open + dispose against raw <see cref="MySqlConnection"/> open + dispose from a warm pool with
/// <c>ConnectionReset=false</c>: no query and no round trip, so what is left is the pool's bookkeeping and ours.
/// Raw (a new connection from the connection string, as applications write it) is the baseline of each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ScopeOpenBenchmarks
{
    private string _connectionString = "";
    private MySqlDataSource _dataSource = null!;
    private SqlHelper _ambient = null!;
    private SqlHelper _perInstance = null!;

    [GlobalSetup]
    public void Setup()
    {
        _connectionString = ConnectionStrings.For(BenchmarkDatabase.FromEnvironment(), connectionReset: false, maxPoolSize: 100);
        _dataSource = new MySqlDataSource(_connectionString);
        _ambient = new SqlHelper(ConnectionStrings.Helper(_connectionString, ScopeMode.AsyncFlowStack, 100));
        _perInstance = new SqlHelper(ConnectionStrings.Helper(_connectionString, ScopeMode.PerInstance, 100));
        // Three physical connections in every pool, so nested opens never dial.
        Raw3();
        RawDataSource3();
        HelperAmbient3();
        HelperPerInstance3();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ambient.Dispose();
        _perInstance.Dispose();
        _dataSource.Dispose();
        MySqlConnection.ClearAllPools();
    }

    [Benchmark(Baseline = true, Description = "raw MySqlConnection")]
    [BenchmarkCategory("open+dispose sync")]
    public void Raw()
    {
        using var connection = new MySqlConnection(_connectionString);
        connection.Open();
    }

    [Benchmark(Description = "raw MySqlDataSource")]
    [BenchmarkCategory("open+dispose sync")]
    public void RawDataSource()
    {
        using var connection = _dataSource.OpenConnection();
    }

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("open+dispose sync")]
    public void HelperAmbient()
    {
        using var scope = _ambient.Open();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("open+dispose sync")]
    public void HelperPerInstance()
    {
        using var scope = _perInstance.Open();
    }

    [Benchmark(Baseline = true, Description = "raw MySqlConnection")]
    [BenchmarkCategory("open+dispose async")]
    public async ValueTask RawAsync()
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
    }

    [Benchmark(Description = "raw MySqlDataSource")]
    [BenchmarkCategory("open+dispose async")]
    public async ValueTask RawDataSourceAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
    }

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("open+dispose async")]
    public async ValueTask HelperAmbientAsync()
    {
        await using var scope = await _ambient.OpenAsync();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("open+dispose async")]
    public async ValueTask HelperPerInstanceAsync()
    {
        await using var scope = await _perInstance.OpenAsync();
    }

    [Benchmark(Baseline = true, Description = "raw MySqlConnection")]
    [BenchmarkCategory("nest 3 sync")]
    public void Raw3()
    {
        using var outer = new MySqlConnection(_connectionString);
        outer.Open();
        using var middle = new MySqlConnection(_connectionString);
        middle.Open();
        using var inner = new MySqlConnection(_connectionString);
        inner.Open();
    }

    [Benchmark(Description = "raw MySqlDataSource")]
    [BenchmarkCategory("nest 3 sync")]
    public void RawDataSource3()
    {
        using var outer = _dataSource.OpenConnection();
        using var middle = _dataSource.OpenConnection();
        using var inner = _dataSource.OpenConnection();
    }

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("nest 3 sync")]
    public void HelperAmbient3()
    {
        using var outer = _ambient.Open();
        using var middle = _ambient.Open();
        using var inner = _ambient.Open();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("nest 3 sync")]
    public void HelperPerInstance3()
    {
        using var outer = _perInstance.Open();
        using var middle = _perInstance.Open();
        using var inner = _perInstance.Open();
    }

    [Benchmark(Baseline = true, Description = "raw MySqlConnection")]
    [BenchmarkCategory("nest 3 async")]
    public async ValueTask Raw3Async()
    {
        await using var outer = new MySqlConnection(_connectionString);
        await outer.OpenAsync();
        await using var middle = new MySqlConnection(_connectionString);
        await middle.OpenAsync();
        await using var inner = new MySqlConnection(_connectionString);
        await inner.OpenAsync();
    }

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("nest 3 async")]
    public async ValueTask HelperAmbient3Async()
    {
        await using var outer = await _ambient.OpenAsync();
        await using var middle = await _ambient.OpenAsync();
        await using var inner = await _ambient.OpenAsync();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("nest 3 async")]
    public async ValueTask HelperPerInstance3Async()
    {
        await using var outer = await _perInstance.OpenAsync();
        await using var middle = await _perInstance.OpenAsync();
        await using var inner = await _perInstance.OpenAsync();
    }
}
