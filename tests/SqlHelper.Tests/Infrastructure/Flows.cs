namespace SqlHelpers.Tests.Infrastructure;

/// <summary>Starts work on a fresh async flow that inherits nothing (no ambient scopes) from the caller.</summary>
public static class Flows
{
    public static Task<T> RunDetached<T>(Func<Task<T>> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    public static Task RunDetached(Func<Task> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    public static Task RunDetached(Action work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }

    public static Task<T> RunDetached<T>(Func<T> work)
    {
        using (ExecutionContext.SuppressFlow())
            return Task.Run(work);
    }
}
