namespace SqlHelpers.UnitTests.Diagnostics;

/// <summary>
/// Leak detection scans on a timer of the helper's <see cref="TimeProvider"/> (a quarter of the threshold, here 2.5 s),
/// so advancing fake time runs the scans: a scope is reported once, at the first scan where its age reached the threshold.
/// </summary>
public sealed class LeakDetectorTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Scan_ScopeHeldPastThreshold_ReportedWhenFakeTimeReachesItAndOnlyOnce()
    {
        await using var db = FakeDb.Create(o => o.LeakDetectionThreshold = Threshold);
        var scope = await db.Helper.OpenAsync();

        db.Time.Advance(Threshold - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, db.Stats.LeaksDetected);

        db.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, db.Stats.LeaksDetected);

        db.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, db.Stats.LeaksDetected);
        await scope.DisposeAsync();
        Assert.Equal(0, db.Stats.HeldConnections);
        Assert.Equal(1, db.Stats.LeaksDetected);
        Assert.Equal(0, db.Stats.ScopesReclaimed);
    }

    [Fact]
    public async Task Scan_TwoScopesOpenedAtDifferentTimes_EachReportedAtTheFirstScanPastItsOwnAge()
    {
        await using var db = FakeDb.Create(o => o.LeakDetectionThreshold = Threshold);
        await using var first = await db.Helper.OpenAsync();
        db.Time.Advance(TimeSpan.FromSeconds(1));
        await using var second = await Flows.RunDetached(async () => await db.Helper.OpenAsync()).Bounded();

        db.Time.Advance(TimeSpan.FromSeconds(9));      // t = 10 s: the first is 10 s old, the second 9 s
        Assert.Equal(1, db.Stats.LeaksDetected);
        db.Time.Advance(TimeSpan.FromSeconds(2.49));   // t = 12.49 s: no scan since 10 s
        Assert.Equal(1, db.Stats.LeaksDetected);
        db.Time.Advance(TimeSpan.FromSeconds(0.01));   // t = 12.5 s: the scan that sees the second at 11.5 s
        Assert.Equal(2, db.Stats.LeaksDetected);
    }

    [Fact]
    public async Task Scan_ScopeDisposedBeforeThreshold_NeverReported()
    {
        await using var db = FakeDb.Create(o => o.LeakDetectionThreshold = Threshold);
        var scope = await db.Helper.OpenAsync();
        db.Time.Advance(Threshold - TimeSpan.FromMilliseconds(1));

        await scope.DisposeAsync();
        db.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, db.Stats.LeaksDetected);
    }

    [Fact]
    public async Task DisposeHelper_StopsTheScans()
    {
        var db = FakeDb.Create(o => o.LeakDetectionThreshold = Threshold);
        var scope = await db.Helper.OpenAsync();

        await db.Helper.DisposeAsync();
        db.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, db.Stats.LeaksDetected);
        await scope.DisposeAsync();
    }
}
