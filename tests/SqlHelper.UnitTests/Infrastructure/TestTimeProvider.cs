using Microsoft.Extensions.Time.Testing;

namespace SqlHelpers.UnitTests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when a timer is created. An open that must wait creates the timer of its
/// acquire timeout after it has queued, so a test that waits for that timer knows the open is queued and that advancing
/// time from then on counts against its timeout.
/// </summary>
internal sealed class TestTimeProvider : FakeTimeProvider
{
    private readonly SemaphoreSlim _created = new(0);
    private int _timersCreated;

    /// <summary>Gets the number of timers created so far.</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        _created.Release();
        return timer;
    }

    /// <summary>Waits until one more timer has been created than this method has waited for before.</summary>
    public async Task WaitForTimerAsync() =>
        Assert.True(await _created.WaitAsync(TestTime.SafetyNet), "No timer was created: the open did not wait.");
}
