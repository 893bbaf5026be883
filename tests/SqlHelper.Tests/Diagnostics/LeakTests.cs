using System.Runtime.CompilerServices;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Diagnostics;

[Collection(DatabaseCollection.Name)]
public sealed class LeakTests(DatabaseFixture db)
{
    [Fact]
    public async Task LeakDetectionThreshold_ScopeHeldTooLong_IsReportedOnceThenReleasedLine()
    {
        var logs = new CapturingLoggerFactory();
        await using var helper = db.CreateHelper(o =>
        {
            o.LoggerFactory = logs;
            o.LeakDetectionThreshold = TimeSpan.FromMilliseconds(200);
            o.CaptureOpenSite = true;
        });
        var outer = helper.Open();
        var inner = helper.Open();
        await Task.Delay(900);

        var reports = logs.WithEventId(1030);
        Assert.Equal(2, reports.Count);                                    // once per scope, not once per scan
        var innerReport = Assert.Single(reports, r => r.Message.Contains("depth 2, connection", StringComparison.Ordinal));
        Assert.Contains(nameof(LeakDetectionThreshold_ScopeHeldTooLong_IsReportedOnceThenReleasedLine), innerReport.Message, StringComparison.Ordinal);
        Assert.Contains("of the same flow (depth 1) was opened at", innerReport.Message, StringComparison.Ordinal);
        Assert.Equal(2, helper.GetStatistics().LeaksDetected);

        inner.Dispose();
        outer.Dispose();
        var released = logs.WithEventId(1031);
        Assert.Equal(2, released.Count);
        Assert.Contains("was released after", released[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeakDetection_Off_ByDefault()
    {
        var logs = new CapturingLoggerFactory();
        await using var helper = db.CreateHelper(o => o.LoggerFactory = logs);
        using var scope = helper.Open();
        await Task.Delay(300);
        Assert.Empty(logs.WithEventId(1030));
    }

    [Fact]
    public async Task NeverDisposedUnreachableScope_IsReclaimedAndReported()
    {
        var logs = new CapturingLoggerFactory();
        await using var helper = db.CreateHelper(o => { o.LoggerFactory = logs; o.MaxConnections = 2; o.ReservedForNested = 0; });

        await Flows.RunDetached(() => OpenAndForget(helper));            // its flow ends; nothing refers to the scope
        await Flows.RunDetached(() => OpenAndForget(helper));
        Assert.Equal(2, helper.GetStatistics().HeldConnections);

        for (var i = 0; i < 50 && helper.GetStatistics().HeldConnections > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(2, stats.ScopesReclaimed);
        Assert.Equal(2, logs.WithEventId(1032).Count);
        using var next = helper.Open();                                    // the pool has its connections back
        Assert.Equal(1L, next.ExecuteScalar<long>("SELECT 1"));
    }

    [Fact]
    public async Task DisposingTheHelper_ReportsEveryScopeStillOpen()
    {
        var logs = new CapturingLoggerFactory();
        var helper = db.CreateHelper(o => o.LoggerFactory = logs);
        var a = helper.Open();
        var b = helper.Open();
        await helper.DisposeAsync();

        Assert.Equal(2, logs.WithEventId(1020).Count);
        b.Dispose();
        a.Dispose();
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndForget(SqlHelper helper)
    {
        var scope = helper.Open();
        Assert.Equal(1L, scope.ExecuteScalar<long>("SELECT 1"));
    }
}
