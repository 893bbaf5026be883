using System.Diagnostics;

namespace SqlHelpers.Utilities;

/// <summary>Reads the result of a core method called with <see cref="IOBehavior.Synchronous"/>.</summary>
internal static class IOBehaviorExtensions
{
    /// <summary>Returns the result of a core call made synchronously (it has completed, or blocks until it has).</summary>
    public static T RunSynchronously<T>(this ValueTask<T> task)
    {
        Debug.Assert(task.IsCompleted, "A synchronous core call returned an incomplete task.");
        return task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Completes a core call made synchronously, rethrowing its exception.</summary>
    public static void RunSynchronously(this ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "A synchronous core call returned an incomplete task.");
        if (task.IsCompletedSuccessfully)
            return;
        task.AsTask().GetAwaiter().GetResult();
    }
}
