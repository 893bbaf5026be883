using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// SqlHelper's own cost per scope, without a driver: open + dispose over a <see cref="NoopConnectionSource"/>, whose
/// open and close take a lock and nothing else (the "no-op source" rows are that lock alone). Subtract it and what is
/// left is admission, registry, stack, counters and the scope objects: the overhead a real open+dispose pays on top of
/// MySqlConnector's, measured without the driver's variance around it.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ScopeCoreBenchmarks
{
    private NoopConnectionSource _source = null!;
    private SqlHelper _ambient = null!;
    private SqlHelper _perInstance = null!;

    [GlobalSetup]
    public void Setup()
    {
        _source = new NoopConnectionSource(8);
        _ambient = Create(ScopeMode.AsyncFlowStack);
        _perInstance = Create(ScopeMode.PerInstance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ambient.Dispose();
        _perInstance.Dispose();
    }

    [Benchmark(Baseline = true, Description = "no-op source")]
    [BenchmarkCategory("sync")]
    public void Source() => _source.CloseAsync(_source.OpenAsync(Utilities.IOBehavior.Synchronous, default).Result, Utilities.IOBehavior.Synchronous);

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("sync")]
    public void Ambient()
    {
        using var scope = _ambient.Open();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("sync")]
    public void PerInstance()
    {
        using var scope = _perInstance.Open();
    }

    [Benchmark(Baseline = true, Description = "no-op source")]
    [BenchmarkCategory("async")]
    public async ValueTask SourceAsync() =>
        await _source.CloseAsync(await _source.OpenAsync(Utilities.IOBehavior.Asynchronous, default), Utilities.IOBehavior.Asynchronous);

    [Benchmark(Description = "SqlHelper ambient")]
    [BenchmarkCategory("async")]
    public async ValueTask AmbientAsync()
    {
        await using var scope = await _ambient.OpenAsync();
    }

    [Benchmark(Description = "SqlHelper per-instance")]
    [BenchmarkCategory("async")]
    public async ValueTask PerInstanceAsync()
    {
        await using var scope = await _perInstance.OpenAsync();
    }

    private SqlHelper Create(ScopeMode mode)
    {
        var options = new SqlHelperOptions { ConnectionString = "Server=noop;Database=db;User ID=u", Mode = mode, MaxConnections = 8 };
        return new SqlHelper(options, SqlHelperOptionsValidator.ThrowIfInvalid(options), (_, _, _, _) => _source);
    }
}
