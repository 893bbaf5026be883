using System.Diagnostics;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// Runs one batch of an operation on several dedicated threads at once, each doing its share back to back: what a scope
/// costs when concurrent flows open at the same time (shared counters, the gate, the registry). The CPU time per
/// operation is the sum of the threads' CPU clocks over the operations; the wall time per operation is the batch's
/// elapsed time over them (on 2 cores, 8 threads share them).
/// </summary>
internal sealed class ParallelBatches : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _start;
    private readonly Barrier _done;
    private readonly long[] _cpu;
    private Func<ValueTask>? _operation;
    private int _share;
    private bool _stopping;
    private bool _sameThread = true;

    public ParallelBatches(int threads)
    {
        _cpu = new long[threads];
        _start = new Barrier(threads + 1);
        _done = new Barrier(threads + 1);
        _threads = [.. Enumerable.Range(0, threads).Select(i => new Thread(() => Work(i)) { IsBackground = true, Name = $"overhead-{i}" })];
        foreach (var thread in _threads)
            thread.Start();
    }

    public int Threads => _threads.Length;

    /// <summary>Runs <paramref name="count"/> operations spread over the threads; returns ns/op (wall), CPU ns/op and bytes/op.</summary>
    public (double NanosecondsPerOp, double CpuNanosecondsPerOp, double BytesPerOp) Batch(Func<ValueTask> operation, int count)
    {
        _operation = operation;
        _share = count / _threads.Length;
        _sameThread = true;
        var total = _share * _threads.Length;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        _start.SignalAndWait();
        _done.SignalAndWait();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        var cpu = _sameThread ? (double) _cpu.Sum() / total : double.NaN;
        return (elapsed.TotalNanoseconds / total, cpu, (double) bytes / total);
    }

    public void Dispose()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (var thread in _threads)
            thread.Join();
        _start.Dispose();
        _done.Dispose();
    }

    private void Work(int index)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
                return;
            var operation = _operation!;
            var cpuStart = ThreadCpuClock.Now();
            for (var i = 0; i < _share; i++)
            {
                var pending = operation();
                if (!pending.IsCompleted)
                    _sameThread = false;   // an operation that went asynchronous ran partly elsewhere: its CPU is unknown
                pending.GetAwaiter().GetResult();
            }
            _cpu[index] = ThreadCpuClock.Now() - cpuStart;
            _done.SignalAndWait();
        }
    }
}
