namespace SqlHelpers.Demo;

/// <summary>Counts what the demo saw that SqlHelper promises cannot happen, so the demo exits non-zero when one does.</summary>
internal static class Expect
{
    private static int _failures;

    public static int Failures => Volatile.Read(ref _failures);

    /// <summary>Returns <paramref name="condition"/>; when it is false, prints <paramref name="what"/> marked UNEXPECTED and counts it.</summary>
    public static bool That(bool condition, string what)
    {
        if (!condition)
        {
            Interlocked.Increment(ref _failures);
            Out.Line($"UNEXPECTED: {what}");
        }
        return condition;
    }
}
