namespace SqlHelpers.Benchmarks.Load;

/// <summary>The state of one flow of a measurement: its random ids and whatever it keeps open for the whole slot.</summary>
internal sealed class LoadFlow(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Gets or sets a scope or connection the flow keeps open (the "already open" variants).</summary>
    public object? Held { get; set; }

    /// <summary>Gets the times of the operations this flow ended in the measured window, in <see cref="System.Diagnostics.Stopwatch"/> ticks (contention groups only).</summary>
    public List<long> Latencies { get; } = new(256);

    /// <summary>Gets a uniformly random id of the table.</summary>
    public int NextId() => _random.Next(1, Workload.Rows + 1);
}
