using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Diagnostics;

[Collection(DatabaseCollection.Name)]
public sealed class TelemetryTests(DatabaseFixture db)
{
    [Fact]
    public async Task ActivitySource_OneSpanPerScope_WithDepthModeConnectionAndErrorStatus()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "SqlHelper",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 2; o.Blocking = false; o.ReservedForNested = 0; });

        long innerId;
        await using (var outer = await helper.OpenAsync())
        {
            await using var inner = await helper.OpenAsync();
            innerId = inner.Connection.ServerThread;
            await Assert.ThrowsAsync<SqlPoolExhaustedException>(async () => await helper.OpenAsync());
        }

        var spans = stopped.Where(a => a.OperationName == "sqlhelper.scope").ToList();
        Assert.Equal(3, spans.Count);
        var failed = Assert.Single(spans, s => s.Status == ActivityStatusCode.Error);
        Assert.Equal(3, failed.GetTagItem("sqlhelper.scope.depth"));
        var innerSpan = Assert.Single(spans, s => Equals(s.GetTagItem("sqlhelper.scope.depth"), 2));
        Assert.Equal((int) innerId, innerSpan.GetTagItem("sqlhelper.connection.id"));
        Assert.Equal("AsyncFlowStack", innerSpan.GetTagItem("sqlhelper.scope.mode"));
        Assert.Equal("mysql", innerSpan.GetTagItem("db.system.name"));
        var outerSpan = Assert.Single(spans, s => Equals(s.GetTagItem("sqlhelper.scope.depth"), 1));
        Assert.Equal(outerSpan.SpanId, innerSpan.ParentSpanId);                 // the stack shows in the trace
        Assert.Null(Activity.Current);                                          // never left ambient after await using
    }

    [Fact]
    public async Task Meter_RecordsOpenScopesHoldTimeDepthAndExhaustion()
    {
        var measurements = new ConcurrentQueue<(string Name, double Value)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "SqlHelper")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => measurements.Enqueue((i.Name, v)));
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => measurements.Enqueue((i.Name, v)));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => measurements.Enqueue((i.Name, v)));
        listener.Start();
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.Blocking = false; });

        using (helper.Open())
        {
            listener.RecordObservableInstruments();
            Assert.Throws<SqlPoolExhaustedException>(() => Flows.RunDetached(() => helper.Open()).GetAwaiter().GetResult());
        }

        Assert.Contains(measurements, m => m.Name == "sqlhelper.scopes.open" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "sqlhelper.scope.depth" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "sqlhelper.scope.hold_time" && m.Value > 0);
        Assert.Contains(measurements, m => m.Name == "sqlhelper.pool.exhaustions" && m.Value == 1);
    }

    [Fact]
    public async Task Logger_EventsHaveFixedIdsAndLevels()
    {
        var logs = new CapturingLoggerFactory();
        await using var helper = db.CreateHelper(o => { o.LoggerFactory = logs; o.MaxConnections = 2; o.Blocking = false; o.ReservedForNested = 0; });
        var outer = helper.Open();
        var inner = helper.Open();
        Assert.Throws<SqlPoolExhaustedException>(() => Flows.RunDetached(() => helper.Open()).GetAwaiter().GetResult());
        outer.Dispose();                               // misnested
        inner.Dispose();

        Assert.Equal(2, logs.WithEventId(1000).Count(e => e.Level == LogLevel.Trace));
        Assert.Equal(2, logs.WithEventId(1001).Count(e => e.Level == LogLevel.Trace));
        Assert.Equal(LogLevel.Warning, Assert.Single(logs.WithEventId(1010)).Level);
        Assert.Equal(LogLevel.Error, Assert.Single(logs.WithEventId(2000)).Level);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(db.Server.Password, StringComparison.Ordinal));
    }
}
