namespace SqlHelpers.UnitTests.Fakes;

/// <summary>Holds the opens of a <see cref="FakeConnectionSource"/> until released: a way to stage an open in progress.</summary>
internal sealed class OpenHold
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrivals = new(0);

    /// <summary>Gets a task that completes when the hold is released.</summary>
    public Task Released => _released.Task;

    /// <summary>Lets every held open (and every later one) go on.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>Waits until one more open has reached the hold.</summary>
    public Task WaitForArrivalAsync() => _arrivals.WaitAsync(TestTime.SafetyNet).ContinueWith(
        static t => Assert.True(t.Result, "No open reached the hold."), TaskScheduler.Default);

    internal void Arrived() => _arrivals.Release();
}
