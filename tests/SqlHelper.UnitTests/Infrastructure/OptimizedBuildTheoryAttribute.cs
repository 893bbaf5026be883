namespace SqlHelpers.UnitTests;

/// <summary>
/// A theory that runs only when the tests and the library are compiled with optimizations (Release, as the test command
/// builds them); in a Debug build it is reported as skipped, with the reason. For budgets of bytes per scope: a Debug
/// build compiles every <c>async</c> method's state machine as a class, allocated even when the method completes at once.
/// </summary>
public sealed class OptimizedBuildTheoryAttribute : TheoryAttribute
{
    public OptimizedBuildTheoryAttribute()
    {
#if DEBUG
        Skip = "Allocation budgets describe optimized code; a Debug build allocates every async state machine. Run them in Release (./build.sh test, or dotnet test -c Release).";
#endif
    }
}
