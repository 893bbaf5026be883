namespace SqlHelpers.UnitTests;

/// <summary>
/// Tests that race threads in lockstep, run on their own after the parallel ones: on a small or busy machine they would
/// otherwise fight each other for cores and each round would wait on the scheduler.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StressCollection
{
    public const string Name = "Stress";
}
