using System.Runtime.InteropServices;

namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>
/// The CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): unlike the wall clock, it does not run
/// while the thread waits for a core, so other processes on a shared machine barely move it.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Gets whether the clock can be read here (Linux only).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && TryRead(out _);

    /// <summary>Reads the calling thread's CPU time in nanoseconds, or returns <c>false</c> where that cannot be done.</summary>
    public static bool TryRead(out long nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
                return false;
            nanoseconds = time.Seconds * 1_000_000_000 + time.Nanoseconds;
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Reads the calling thread's CPU time in nanoseconds (0 where the clock is not available).</summary>
    public static long Now() => IsAvailable && TryRead(out var nanoseconds) ? nanoseconds : 0;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
