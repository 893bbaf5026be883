using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SqlHelpers.Diagnostics;
using SqlHelpers.Queries;
using SqlHelpers.Scopes;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// The pieces of SqlHelper's per-scope and per-statement path, one at a time, so that a gap seen in
/// <see cref="ScopeOpenBenchmarks"/> or <see cref="FetchOneBenchmarks"/> can be pinned on a line. No server.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HotPathBenchmarks
{
    private static readonly object PointSelectParameters = new { id = 42 };

    private readonly StatisticsCounters _counters = new();
    private SqlHelper _helper = null!;
    private ParameterCheck _check = null!;
    private ParameterCheck _checkOff = null!;
    private long _id;

    [GlobalSetup]
    public void Setup()
    {
        _helper = new SqlHelper("Server=127.0.0.1;Port=1;Database=none;User ID=none;Password=none");
        _check = new ParameterCheck(enabled: true, sessionInit: []);
        _checkOff = new ParameterCheck(enabled: false, sessionInit: []);
    }

    [GlobalCleanup]
    public void Cleanup() => _helper.Dispose();

    /// <summary>Two objects the size of a lease and a scope, filled alike, without a finalizer: what the per-scope objects would cost plain.</summary>
    [Benchmark(Baseline = true, Description = "two plain objects of the same size")]
    [BenchmarkCategory("scope objects")]
    public object PlainObjects()
    {
        var lease = new PlainLease(++_id);
        return new PlainScope(_helper, lease);
    }

    /// <summary>What NewScope allocates: a <see cref="ScopeLease"/> (timestamp, thread id) and a finalizable <see cref="SqlScope"/>, then the SuppressFinalize of its dispose.</summary>
    [Benchmark(Description = "ScopeLease + SqlScope (finalizable) + SuppressFinalize")]
    [BenchmarkCategory("scope objects")]
    public object LeaseAndScope()
    {
        var id = ++_id;
        var scope = new SqlScope(null, parent: null, new ScopeLease(id, id, 1, Environment.TickCount64, openSite: null));
        GC.SuppressFinalize(scope);
        return scope;
    }

    [Benchmark(Description = "StatisticsCounters ScopeOpened + ScopeClosed")]
    [BenchmarkCategory("counters")]
    public void Counters()
    {
        _counters.ScopeOpened();
        _counters.ScopeClosed();
    }

    /// <summary>One high-resolution clock read (what a scope took twice before it used the tick count).</summary>
    [Benchmark(Description = "Stopwatch.GetTimestamp")]
    [BenchmarkCategory("clock")]
    public long Clock() => Stopwatch.GetTimestamp();

    /// <summary>The millisecond tick count a scope reads when it opens.</summary>
    [Benchmark(Description = "Environment.TickCount64")]
    [BenchmarkCategory("clock")]
    public long Ticks() => Environment.TickCount64;

    [Benchmark(Baseline = true, Description = "ParameterCheck.Validate, ValidateParameters off")]
    [BenchmarkCategory("parameter check")]
    public void ValidateOff() => _checkOff.Validate(Load.Workload.PointSelect, PointSelectParameters);

    /// <summary>What every FetchOne with a parameter object pays by default (a cache hit after the first call of a SQL and parameter type).</summary>
    [Benchmark(Description = "ParameterCheck.Validate (the point select, new { id })")]
    [BenchmarkCategory("parameter check")]
    public void Validate() => _check.Validate(Load.Workload.PointSelect, PointSelectParameters);

    /// <summary>The scan the check runs on a cache miss.</summary>
    [Benchmark(Description = "SqlNames.Scan (the point select)")]
    [BenchmarkCategory("parameter check")]
    public object Scan() => SqlNames.Scan(Load.Workload.PointSelect);
}
