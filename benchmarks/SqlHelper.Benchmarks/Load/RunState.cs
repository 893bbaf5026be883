namespace SqlHelpers.Benchmarks.Load;

/// <summary>What the flows of one measurement share: the stop flag and the first error any of them hit.</summary>
internal sealed class RunState
{
    private volatile bool _stop;
    private volatile bool _recording;
    private Exception? _error;

    /// <summary>Gets or sets whether the flows should stop after their current operation.</summary>
    public bool Stop
    {
        get => _stop;
        set => _stop = value;
    }

    /// <summary>Gets or sets whether the flows record how long each operation took (inside the measured window of a contention group).</summary>
    public bool Recording
    {
        get => _recording;
        set => _recording = value;
    }

    /// <summary>Gets the first error a flow hit, or <c>null</c>.</summary>
    public Exception? Error => Volatile.Read(ref _error);

    /// <summary>Records <paramref name="exception"/> (the first one wins) and stops every flow.</summary>
    public void Fail(Exception exception)
    {
        Interlocked.CompareExchange(ref _error, exception, null);
        _stop = true;
    }
}
