using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dapper;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;
using SqlHelpers.Benchmarks.Load;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// One point select on something already open: Dapper's <c>QueryFirstOrDefault</c> on a raw connection (baseline) against
/// <see cref="SqlScope.FetchOne{T}"/> on a scope, with SqlHelper's default parameter check and without it. The round trip
/// is in every row, so time differences are small; the allocation column shows what the helper adds per statement.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FetchOneBenchmarks
{
    private MySqlConnection _connection = null!;
    private SqlHelper _db = null!;
    private SqlHelper _dbUnchecked = null!;
    private SqlScope _scope = null!;
    private SqlScope _scopeUnchecked = null!;
    private int _id;

    [GlobalSetup]
    public void Setup()
    {
        var connectionString = ConnectionStrings.For(BenchmarkDatabase.FromEnvironment(), connectionReset: false, maxPoolSize: 10);
        SbTestTable.EnsureAsync(connectionString, sysbench: null, Console.Out).GetAwaiter().GetResult();
        _connection = new MySqlConnection(connectionString);
        _connection.Open();
        _db = new SqlHelper(ConnectionStrings.Helper(connectionString, ScopeMode.AsyncFlowStack, 10));
        _dbUnchecked = new SqlHelper(ConnectionStrings.Helper(connectionString, ScopeMode.AsyncFlowStack, 10, validateParameters: false));
        _scope = _db.Open();
        _scopeUnchecked = _dbUnchecked.Open();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _scopeUnchecked.Dispose();
        _db.Dispose();
        _dbUnchecked.Dispose();
        _connection.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw Dapper QueryFirstOrDefault")]
    [BenchmarkCategory("sync")]
    public string? Raw() => _connection.QueryFirstOrDefault<string>(Workload.PointSelect, new { id = NextId() });

    [Benchmark(Description = "SqlScope.FetchOne")]
    [BenchmarkCategory("sync")]
    public string? Helper() => _scope.FetchOne<string>(Workload.PointSelect, new { id = NextId() });

    [Benchmark(Description = "SqlScope.FetchOne, ValidateParameters=false")]
    [BenchmarkCategory("sync")]
    public string? HelperUnchecked() => _scopeUnchecked.FetchOne<string>(Workload.PointSelect, new { id = NextId() });

    [Benchmark(Baseline = true, Description = "raw Dapper QueryFirstOrDefault")]
    [BenchmarkCategory("async")]
    public Task<string?> RawAsync() => _connection.QueryFirstOrDefaultAsync<string>(Workload.PointSelect, new { id = NextId() });

    [Benchmark(Description = "SqlScope.FetchOne")]
    [BenchmarkCategory("async")]
    public Task<string?> HelperAsync() => _scope.FetchOneAsync<string>(Workload.PointSelect, new { id = NextId() });

    [Benchmark(Description = "SqlScope.FetchOne, ValidateParameters=false")]
    [BenchmarkCategory("async")]
    public Task<string?> HelperUncheckedAsync() => _scopeUnchecked.FetchOneAsync<string>(Workload.PointSelect, new { id = NextId() });

    private int NextId() => _id = _id % Workload.Rows + 1;
}
