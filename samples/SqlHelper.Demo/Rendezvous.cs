namespace SqlHelpers.Demo;

/// <summary>
/// Lets <paramref name="parties"/> async flows wait for each other; the last to arrive runs a callback first, while every
/// flow is still at the meeting point.
/// </summary>
internal sealed class Rendezvous(int parties, Action whenAllArrived)
{
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    public Task ArriveAndWaitAsync()
    {
        if (Interlocked.Increment(ref _arrived) == parties)
        {
            whenAllArrived();
            _allArrived.SetResult();
        }
        return _allArrived.Task;
    }
}
