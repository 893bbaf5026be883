namespace SqlHelpers.UnitTests;

/// <summary>The one real-time bound of these tests: how long an await may take before the test fails instead of hanging.</summary>
internal static class TestTime
{
    /// <summary>A safety net only: no test waits for it to pass, every test completes long before it.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Awaits every task, but fails as soon as one of them fails (its partners, stuck at a barrier, would never finish), and
    /// fails the test if they have not all completed within <see cref="SafetyNet"/>.
    /// </summary>
    public static async Task AllBounded(IEnumerable<Task> tasks)
    {
        var pending = tasks.ToList();
        var deadline = Task.Delay(SafetyNet);
        while (pending.Count != 0)
        {
            var done = await Task.WhenAny([.. pending, deadline]);
            if (done == deadline)
                throw new TimeoutException($"{pending.Count} task(s) had not completed within the safety net of {SafetyNet}.");
            await done;   // rethrows the first failure
            pending.Remove(done);
        }
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task Bounded(this Task task) => task.WaitAsync(SafetyNet);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(SafetyNet);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <see cref="SafetyNet"/>.</summary>
    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(SafetyNet);
}
