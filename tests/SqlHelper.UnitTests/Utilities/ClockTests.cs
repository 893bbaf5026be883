using Microsoft.Extensions.Time.Testing;
using SqlHelpers.Utilities;

namespace SqlHelpers.UnitTests.Utilities;

public sealed class ClockTests
{
    [Fact]
    public void Since_FakeTimeAdvanced_CountsTheFakeMilliseconds()
    {
        var time = new FakeTimeProvider();
        var clock = new Clock(time);
        var start = clock.NowMilliseconds;

        time.Advance(TimeSpan.FromSeconds(3.5));

        Assert.Equal(TimeSpan.FromMilliseconds(3500), clock.Since(start));
    }

    [Fact]
    public void Since_StopwatchTimestampsAfter107DaysOfUptime_StaysExact()
    {
        // A TimeProvider that does not override GetTimestamp reads the Stopwatch: nanoseconds since boot on Linux. At
        // 106.75 days of uptime a timestamp times 1000 passes long.MaxValue; the clock must not turn that into a jump.
        var time = new ManualTimestampProvider(frequency: 1_000_000_000, timestamp: 9_223_372_036_854_775_807 / 1000 - 500_000_000);
        var clock = new Clock(time);
        var start = clock.NowMilliseconds;

        time.Timestamp += 1_000_000_000;

        Assert.Equal(TimeSpan.FromSeconds(1), clock.Since(start));
    }

    [Fact]
    public void Since_FakeTimeProviderAtADateWhoseTicksTimes1000PassLongMaxValue_StaysExact()
    {
        // FakeTimeProvider's timestamps are DateTimeOffset ticks; some dates sit on the same boundary.
        var time = new FakeTimeProvider(new DateTimeOffset(long.MaxValue / 1000 - TimeSpan.TicksPerSecond / 2, TimeSpan.Zero));
        var clock = new Clock(time);
        var start = clock.NowMilliseconds;

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(1), clock.Since(start));
    }

    private sealed class ManualTimestampProvider(long frequency, long timestamp) : TimeProvider
    {
        public long Timestamp { get; set; } = timestamp;

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => Timestamp;
    }
}
