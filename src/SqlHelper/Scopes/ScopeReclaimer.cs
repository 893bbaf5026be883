namespace SqlHelpers.Scopes;

/// <summary>
/// The finalizable part of a scope: when a scope that was never disposed becomes unreachable, so does its reclaimer, whose
/// finalizer then returns the scope's connection. Kept apart from <see cref="SqlScope"/> so that it can be reused: a
/// finalizable allocation registers with the runtime's finalization queue and a dispose must call
/// <see cref="GC.SuppressFinalize"/>, about 35 ns per scope together; a reclaimer taken from a small per-thread cache
/// costs a few loads and stores. A disposed scope gives its reclaimer back (forgetting the scope), so a cached reclaimer's
/// finalizer finds nothing to do.
/// </summary>
internal sealed class ScopeReclaimer
{
    private const int CachedPerThread = 8;

    [ThreadStatic]
    private static ScopeReclaimer? _cache;

    private SqlScope? _scope;
    private ScopeReclaimer? _next;
    private int _cached;   // while cached: how many reclaimers the thread's cache holds, this one included

    private ScopeReclaimer()
    {
    }

    ~ScopeReclaimer() => _scope?.OnAbandoned();

    /// <summary>Gets a reclaimer that watches <paramref name="scope"/>.</summary>
    public static ScopeReclaimer Rent(SqlScope scope)
    {
        var reclaimer = _cache;
        if (reclaimer is null || GC.GetGeneration(reclaimer) == GC.MaxGeneration)
        {
            // None cached, or the cache aged into the oldest generation while it sat there: a young collection counts that
            // generation live, so an old reclaimer would keep a scope abandoned with it reachable until a full collection.
            // The whole cache goes (the ones behind it are older still); their finalizers find no scope.
            _cache = null;
            reclaimer = new ScopeReclaimer();
        }
        else
        {
            _cache = reclaimer._next;
            reclaimer._next = null;
        }
        reclaimer._scope = scope;
        return reclaimer;
    }

    /// <summary>Stops watching the scope (it ended) and caches the reclaimer for the next scope of this thread.</summary>
    public void Return()
    {
        _scope = null;
        var cache = _cache;
        var cached = cache?._cached ?? 0;
        // One in the oldest generation is let go: a young collection counts the old generation live, so a cached old
        // reclaimer would keep an abandoned scope it watched reachable until a full collection.
        if (cached >= CachedPerThread || GC.GetGeneration(this) == GC.MaxGeneration)
            return;
        _next = cache;
        _cached = cached + 1;
        _cache = this;
    }
}
