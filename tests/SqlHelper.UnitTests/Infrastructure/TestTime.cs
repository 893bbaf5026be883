namespace SqlHelpers.UnitTests;

/// <summary>The one real-time bound of these tests: how long an await may take before the test fails instead of hanging.</summary>
internal static class TestTime
{
    /// <summary>A safety net only: no test waits for it to pass, every test completes long before it.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task Bounded(this Task task) => task.WaitAsync(SafetyNet);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(SafetyNet);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(SafetyNet);
}
