using BenchmarkDotNet.Attributes;
using SqlHelpers.Scopes;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// The ambient stack alone (<see cref="ScopeStack"/>): push + pop of one scope, against the floor of any AsyncLocal
/// design, two writes of an <see cref="AsyncLocal{T}"/>. No server: the helper is built but never opens anything.
/// </summary>
[MemoryDiagnoser]
public class ScopeStackBenchmarks
{
    private readonly AsyncLocal<SqlScope?> _local = new();
    private readonly ScopeStack _stack = new();
    private SqlHelper _helper = null!;
    private SqlScope _scope = null!;
    private SqlScope _child = null!;

    [GlobalSetup]
    public void Setup()
    {
        _helper = new SqlHelper("Server=127.0.0.1;Port=1;Database=none;User ID=none;Password=none");
        _scope = new SqlScope(null, parent: null, new ScopeLease(1, 1, 1, Environment.TickCount64, openSite: null));
        _child = new SqlScope(null, _scope, new ScopeLease(2, 1, 2, Environment.TickCount64, openSite: null));
    }

    [GlobalCleanup]
    public void Cleanup() => _helper.Dispose();

    [Benchmark(Baseline = true, Description = "AsyncLocal: two writes")]
    public void AsyncLocalTwoWrites()
    {
        _local.Value = _scope;
        _local.Value = null;
    }

    [Benchmark(Description = "ScopeStack: Push + Pop")]
    public bool PushPop()
    {
        _stack.Push(_scope);
        return _stack.Pop(_scope);
    }

    [Benchmark(Description = "ScopeStack: PeekForPush + Push + Pop (open path)")]
    public bool PeekPushPop()
    {
        var parent = _stack.PeekForPush();
        _stack.Push(_scope);
        return _stack.Pop(_scope) && parent is null;
    }

    [Benchmark(Description = "ScopeStack: nested Push + Pop under a scope")]
    public bool NestedPushPop()
    {
        _stack.Push(_scope);
        _stack.Push(_child);
        var popped = _stack.Pop(_child) & _stack.Pop(_scope);
        return popped;
    }

    [Benchmark(Description = "ScopeStack: Current (empty stack)")]
    public SqlScope? Current() => _stack.Current;
}
