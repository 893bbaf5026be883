using Microsoft.Extensions.Time.Testing;

namespace SqlHelpers.UnitTests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers created: an open that never waited created none. (An admission
/// gate shares one timer among its waiters, so a test that must know an open is queued asks the gate instead; see
/// <see cref="FakeDb.WaitForQueuedAsync"/>.)
/// </summary>
internal sealed class TestTimeProvider : FakeTimeProvider
{
    private int _timersCreated;

    /// <summary>Gets the number of timers created so far.</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }
}
