namespace SqlHelpers.Benchmarks.Load;

/// <summary>One contender of a group: it measures its own throughput for one slot of a round.</summary>
internal abstract class LoadVariant : IAsyncDisposable
{
    /// <summary>Gets the name shown in the table.</summary>
    public abstract string Name { get; }

    /// <summary>Gets the dimensions to show for this variant in a group at <paramref name="groupDims"/>.</summary>
    public virtual LoadDims Describe(LoadDims groupDims) => groupDims;

    /// <summary>Runs the workload for <paramref name="warmup"/> unmeasured, then <paramref name="duration"/>, and measures it.</summary>
    public abstract Task<LoadSample> MeasureAsync(TimeSpan warmup, TimeSpan duration);

    /// <summary>Closes the idle connections the variant's pool keeps, so that several large pools never exceed the server's limit.</summary>
    public virtual void Trim()
    {
    }

    public virtual ValueTask DisposeAsync() => default;
}
