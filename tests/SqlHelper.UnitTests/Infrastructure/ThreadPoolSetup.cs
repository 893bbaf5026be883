using System.Runtime.CompilerServices;

namespace SqlHelpers.UnitTests;

internal static class ThreadPoolSetup
{
    /// <summary>
    /// Several tests block pool threads on purpose (a synchronous open waiting on a pool thread is one of the cases under
    /// test) while test classes run in parallel; on a two-core machine the pool would otherwise add threads only every
    /// half second or so. Starting with more threads keeps the run in seconds; it changes no outcome.
    /// </summary>
#pragma warning disable CA2255 // a test assembly, not a library: it owns the process it runs in
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), completionPorts);
    }
}
