namespace SqlHelpers.UnitTests;

/// <summary>Starts work on another async flow or thread, with or without the caller's ambient scopes.</summary>
internal static class Flows
{
    /// <summary>Runs <paramref name="work"/> on the thread pool in a fresh flow that inherits no ambient scope.</summary>
    public static Task<T> RunDetached<T>(Func<Task<T>> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool in a fresh flow that inherits no ambient scope.</summary>
    public static Task RunDetached(Func<Task> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool in a fresh flow that inherits no ambient scope.</summary>
    public static Task RunDetached(Action work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool in a fresh flow that inherits no ambient scope.</summary>
    public static Task<T> RunDetached<T>(Func<T> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that is not a thread-pool thread (as a synchronous caller's own thread
    /// is). The thread starts in a child flow of the caller: it sees the caller's scopes.
    /// </summary>
    public static Task<T> RunOnOwnThread<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "unit test flow",
        };
        thread.Start();
        return result.Task;
    }

    /// <summary>Runs <paramref name="work"/> on a new thread that is not a thread-pool thread; see <see cref="RunOnOwnThread{T}(Func{T})"/>.</summary>
    public static Task RunOnOwnThread(Action work) => RunOnOwnThread(() =>
    {
        work();
        return true;
    });
}
