using BenchmarkDotNet.Attributes;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// The admission path of a scope (<see cref="AdmissionGate.TryEnter"/> + <see cref="AdmissionGate.Release"/>, and with
/// the registry of live leases that <c>Admit</c> adds), uncontended (<see cref="Threads"/> = 1) and contended: several
/// dedicated threads hammering one gate. The limit is never reached, so this is the compare-and-swap path, not waiting.
/// The baseline is the floor of any counting gate: one interlocked increment and one decrement.
/// </summary>
[MemoryDiagnoser]
public class AdmissionBenchmarks
{
    private const int TotalOperations = 64 * 1024;
    private const int Limit = 1_000;

    private static readonly Action<AdmissionBenchmarks, int, int> InterlockedBody = static (b, n, _) => b.InterlockedLoop(n);
    private static readonly Action<AdmissionBenchmarks, int, int> SemaphoreBody = static (b, n, _) => b.SemaphoreLoop(n);
    private static readonly Action<AdmissionBenchmarks, int, int> GateBody = static (b, n, _) => b.GateLoop(n);
    private static readonly Action<AdmissionBenchmarks, int, int> GateAndRegistryBody = static (b, n, index) => b.GateAndRegistryLoop(n, index);

    private readonly AdmissionGate _gate = new();
    private readonly SemaphoreSlim _semaphore = new(Limit, Limit);
    private readonly ScopeRegistry _registry = new(Limit);
    private ScopeLease[] _leases = [];
    private Thread[] _workers = [];
    private Barrier? _start;
    private Barrier? _done;
    private Action<AdmissionBenchmarks, int, int>? _work;
    private volatile bool _stopping;
    private int _count;

    /// <summary>Gets or sets how many threads share the gate; 1 runs on the benchmark thread alone.</summary>
    [Params(1, 2, 8)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _leases = [.. Enumerable.Range(0, Threads).Select(static i => new ScopeLease(i + 1, i + 1, 1, Environment.TickCount64, openSite: null))];
        if (Threads == 1)
            return;
        _start = new Barrier(Threads + 1);
        _done = new Barrier(Threads + 1);
        _workers = [.. Enumerable.Range(0, Threads).Select(index => new Thread(() => Worker(index)) { IsBackground = true, Name = $"admission-{index}" })];
        foreach (var worker in _workers)
            worker.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        if (_start is not null)
        {
            _start.SignalAndWait();
            foreach (var worker in _workers)
                worker.Join();
        }
        _start?.Dispose();
        _done?.Dispose();
        _semaphore.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TotalOperations, Description = "Interlocked inc + dec (floor)")]
    public void InterlockedFloor() => Run(InterlockedBody);

    [Benchmark(OperationsPerInvoke = TotalOperations, Description = "SemaphoreSlim Wait(0) + Release (BCL reference)")]
    public void Semaphore() => Run(SemaphoreBody);

    [Benchmark(OperationsPerInvoke = TotalOperations, Description = "AdmissionGate TryEnter + Release")]
    public void Gate() => Run(GateBody);

    [Benchmark(OperationsPerInvoke = TotalOperations, Description = "AdmissionGate + ScopeRegistry Add/Remove (Admit + ReleaseAdmission)")]
    public void GateAndRegistry() => Run(GateAndRegistryBody);

    private void Run(Action<AdmissionBenchmarks, int, int> work)
    {
        if (Threads == 1)
        {
            work(this, TotalOperations, 0);
            return;
        }
        _work = work;
        _start!.SignalAndWait();
        _done!.SignalAndWait();
    }

    private void Worker(int index)
    {
        var share = TotalOperations / Threads;
        while (true)
        {
            _start!.SignalAndWait();
            if (_stopping)
                return;
            _work!(this, share, index);
            _done!.SignalAndWait();
        }
    }

    private void InterlockedLoop(int n)
    {
        for (var i = 0; i < n; i++)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Decrement(ref _count);
        }
    }

    private void SemaphoreLoop(int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (_semaphore.Wait(0))
                _semaphore.Release();
        }
    }

    private void GateLoop(int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (_gate.TryEnter(Limit))
                _gate.Release();
        }
    }

    private void GateAndRegistryLoop(int n, int index)
    {
        var lease = _leases[index];
        for (var i = 0; i < n; i++)
        {
            if (_gate.TryEnter(Limit))
            {
                _registry.Add(lease);
                _registry.Remove(lease);
                _gate.Release();
            }
        }
    }
}
