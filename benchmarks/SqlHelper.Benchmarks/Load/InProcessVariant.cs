using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// A variant run in this process: <see cref="LoadDims.Flows"/> flows (dedicated threads for sync, thread-pool tasks for
/// async) each run operations back to back; the operations completed inside the measured window count. In contention
/// groups every operation is also timed, and the slot reports the median and 99th percentile of those times.
/// </summary>
internal abstract class InProcessVariant(LoadDims dims) : LoadVariant
{
    private const int Padding = 16;   // one counter per cache line (8 longs = 64 bytes; 16 also covers adjacent-line prefetch)

    protected LoadDims Dims { get; } = dims;

    public sealed override async Task<LoadSample> MeasureAsync(TimeSpan warmup, TimeSpan duration)
    {
        var counts = new long[Dims.Flows * Padding];
        var run = new RunState();
        var flows = new Task[Dims.Flows];
        var states = new LoadFlow[Dims.Flows];
        for (var i = 0; i < flows.Length; i++)
        {
            var index = i;
            var flow = states[i] = new LoadFlow(HashCode.Combine(index, Environment.TickCount));
            flows[i] = Dims.Api == LoadApi.Async
                ? Task.Run(() => AsyncFlowAsync(index, flow, counts, run))
                : StartThread(() => SyncFlow(index, flow, counts, run));
        }
        await Task.Delay(warmup);
        using var process = Process.GetCurrentProcess();
        run.Recording = Dims.IsContention;
        var startCount = Sum(counts);
        var start = Stopwatch.GetTimestamp();
        var startCpu = process.TotalProcessorTime;
        var startItems = ThreadPool.CompletedWorkItemCount;
        await Task.Delay(duration);
        var endCount = Sum(counts);
        var items = ThreadPool.CompletedWorkItemCount - startItems;
        var elapsed = Stopwatch.GetElapsedTime(start);
        run.Recording = false;
        process.Refresh();
        var cpu = process.TotalProcessorTime - startCpu;
        run.Stop = true;
        await Task.WhenAll(flows);
        if (run.Error is { } error)
            ExceptionDispatchInfo.Throw(error);
        var operations = endCount - startCount;
        var latencies = Dims.IsContention ? states.SelectMany(static f => f.Latencies).Select(static t => t * 1000.0 / Stopwatch.Frequency).ToArray() : [];
        return new LoadSample(operations / elapsed.TotalSeconds, operations == 0 ? null : cpu.TotalMicroseconds / operations,
            latencies.Length == 0 ? null : Statistics.Quantile(latencies, 0.99),
            latencies.Length == 0 ? null : Statistics.Quantile(latencies, 0.5),
            Dims.IsContention && operations != 0 ? (double) items / operations : null);
    }

    /// <summary>Prepares a flow before its first operation (the "already open" variants open here).</summary>
    protected virtual void StartFlow(LoadFlow flow)
    {
    }

    protected virtual Task StartFlowAsync(LoadFlow flow) => Task.CompletedTask;

    protected virtual void EndFlow(LoadFlow flow)
    {
    }

    protected virtual Task EndFlowAsync(LoadFlow flow) => Task.CompletedTask;

    /// <summary>Runs one operation synchronously.</summary>
    protected abstract void Run(LoadFlow flow);

    /// <summary>Runs one operation asynchronously.</summary>
    protected abstract Task RunAsync(LoadFlow flow);

    private void SyncFlow(int index, LoadFlow flow, long[] counts, RunState run)
    {
        try
        {
            StartFlow(flow);
            try
            {
                long done = 0;
                while (!run.Stop)
                {
                    var started = Stopwatch.GetTimestamp();
                    Run(flow);
                    Volatile.Write(ref counts[index * Padding], ++done);
                    if (run.Recording)
                        flow.Latencies.Add(Stopwatch.GetTimestamp() - started);
                }
            }
            finally
            {
                EndFlow(flow);
            }
        }
        catch (Exception ex)
        {
            run.Fail(ex);
        }
    }

    private async Task AsyncFlowAsync(int index, LoadFlow flow, long[] counts, RunState run)
    {
        try
        {
            await StartFlowAsync(flow);
            try
            {
                long done = 0;
                while (!run.Stop)
                {
                    var started = Stopwatch.GetTimestamp();
                    await RunAsync(flow);
                    Volatile.Write(ref counts[index * Padding], ++done);
                    if (run.Recording)
                        flow.Latencies.Add(Stopwatch.GetTimestamp() - started);
                }
            }
            finally
            {
                await EndFlowAsync(flow);
            }
        }
        catch (Exception ex)
        {
            run.Fail(ex);
        }
    }

    private static Task StartThread(Action body)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            body();
            completion.SetResult();
        })
        {
            IsBackground = true,
        };
        thread.Start();
        return completion.Task;
    }

    private static long Sum(long[] counts)
    {
        long sum = 0;
        for (var i = 0; i < counts.Length; i += Padding)
            sum += Volatile.Read(ref counts[i]);
        return sum;
    }
}
