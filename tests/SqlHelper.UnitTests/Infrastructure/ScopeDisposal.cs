namespace SqlHelpers.UnitTests;

/// <summary>Disposes a scope through its public synchronous or asynchronous method, for theories over both.</summary>
internal static class ScopeDisposal
{
    public static ValueTask Dispose(SqlScope scope, bool async)
    {
        if (async)
            return scope.DisposeAsync();
        scope.Dispose();
        return default;
    }
}
