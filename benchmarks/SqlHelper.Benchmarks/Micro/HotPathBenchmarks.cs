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

    /// <summary>What opening a scope allocates: a <see cref="ScopeLease"/> (timestamp, thread id) and a <see cref="SqlScope"/> with its pooled <see cref="ScopeReclaimer"/>, then the reclaimer's return at the end.</summary>
    [Benchmark(Description = "ScopeLease + SqlScope (+ pooled reclaimer, rented and returned)")]
    [BenchmarkCategory("scope objects")]
    public object LeaseAndScope()
    {
        var id = ++_id;
        var scope = new SqlScope(null, parent: null, new ScopeLease(id, id, 1, Environment.TickCount64, openSite: null));
        scope.MarkFailed();   // ends it without a pool: state, and the reclaimer goes back to the thread's cache
        return scope;
    }

    /// <summary>What each scope paid before its finalizer moved to the pooled reclaimer: a finalizable object and the SuppressFinalize of its dispose.</summary>
    [Benchmark(Description = "a finalizable object of the same size + SuppressFinalize (the old SqlScope)")]
    [BenchmarkCategory("scope objects")]
    public object FinalizableObjects()
    {
        var lease = new PlainLease(++_id);
        var scope = new FinalizablePlainScope(_helper, lease);
        GC.SuppressFinalize(scope);
        return scope;
    }

    /// <summary>Nine levels of <c>async ValueTask</c> methods that complete synchronously: the state machines a synchronous scope runs through (five to open, four to release).</summary>
    [Benchmark(Baseline = true, Description = "nine plain calls")]
    [BenchmarkCategory("sync-completing state machines")]
    public int PlainCalls() => Plain(9);

    [Benchmark(Description = "nine nested async ValueTask methods, completing synchronously")]
    [BenchmarkCategory("sync-completing state machines")]
    public int StateMachines() => Nested(9).Result;

    private static int Plain(int depth) => depth == 0 ? 1 : Plain(depth - 1) + 1;

    private static async ValueTask<int> Nested(int depth) => depth == 0 ? 1 : await Nested(depth - 1).ConfigureAwait(false) + 1;

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
