using System.Runtime.CompilerServices;

namespace SqlHelpers.UnitTests.Scopes;

/// <summary>
/// A scope that is never disposed gives its connection back when it becomes unreachable: its pooled reclaimer's finalizer
/// reclaims it. Young collections must be enough, however long the reclaimer sat in its thread's cache before.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class ScopeReclaimerTests
{
    [Fact]
    public async Task NeverDisposedScope_ReclaimerAgedInTheThreadCache_IsReclaimedByYoungCollections()
    {
        // Given a thread whose reclaimer cache holds a reclaimer that aged into the oldest generation there
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.Mode = ScopeMode.PerInstance; });
        await Flows.RunOnOwnThread(() =>
        {
            db.Helper.Open().Dispose();   // its reclaimer goes to this thread's cache
            GC.Collect();
            GC.Collect();                 // and is promoted to generation 2 there
            // When a scope opened next on that thread is never disposed
            OpenAndForget(db.Helper);
        }).Bounded();

        // Then young collections reclaim it (a reclaimer in generation 2 would keep the scope reachable until a full one)
        for (var i = 0; i < 3 && db.Stats.ScopesReclaimed == 0; i++)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(1, db.Stats.ScopesReclaimed);
        await using var next = await Flows.RunDetached(async () => await db.Helper.OpenAsync()).Bounded();   // the slot came back
        Assert.Equal(1, db.Stats.HeldConnections);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndForget(SqlHelper helper) => helper.Open();
}
