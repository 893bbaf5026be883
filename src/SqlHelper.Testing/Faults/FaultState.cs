namespace SqlHelpers.Testing.Faults;

/// <summary>
/// The current <see cref="FaultSettings"/> of a proxy, and a signal that fires on each change so that waiting pumps
/// look again. Read <see cref="Changed"/> before <see cref="Current"/>: a change made in between then completes the
/// task already in hand, so no change is missed.
/// </summary>
internal sealed class FaultState
{
    private readonly Lock _lock = new();
    private FaultSettings _current = FaultSettings.None;
    private TaskCompletionSource _changed = NewSignal();
    private long _version;

    public FaultSettings Current => Volatile.Read(ref _current);

    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>Applies <paramref name="change"/> to the current settings (it gets a fresh version number) and wakes every waiter.</summary>
    public void Update(Func<FaultSettings, long, FaultSettings> change)
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            Volatile.Write(ref _current, change(_current, ++_version));
            fired = _changed;
            Volatile.Write(ref _changed, NewSignal());
        }
        fired.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
