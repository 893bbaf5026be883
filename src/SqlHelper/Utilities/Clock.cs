namespace SqlHelpers.Utilities;

/// <summary>
/// The helper's time source: milliseconds for ages and idle times, and the <see cref="TimeProvider"/> for timeouts and
/// timers. With <see cref="TimeProvider.System"/> a reading is one <see cref="Environment.TickCount64"/>, cheap enough for
/// every scope; tests pass a fake provider and move time by hand.
/// </summary>
internal sealed class Clock(TimeProvider time)
{
    private readonly bool _isSystem = ReferenceEquals(time, TimeProvider.System);

    /// <summary>Gets the clock of the real time.</summary>
    public static Clock System { get; } = new(TimeProvider.System);

    /// <summary>Gets the provider behind this clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Gets a monotonic reading in milliseconds.</summary>
    public long NowMilliseconds => _isSystem ? Environment.TickCount64 : ToMilliseconds(Time.GetTimestamp(), Time.TimestampFrequency);

    /// <summary>Gets the time elapsed since <paramref name="startMilliseconds"/>, a reading of <see cref="NowMilliseconds"/>.</summary>
    public TimeSpan Since(long startMilliseconds) => TimeSpan.FromMilliseconds(NowMilliseconds - startMilliseconds);

    /// <summary>
    /// Converts a timestamp to milliseconds without computing <c>timestamp * 1000</c>, which overflows for real timestamps:
    /// Stopwatch nanoseconds after 106.75 days of uptime, or <see cref="DateTimeOffset"/> ticks at some dates.
    /// </summary>
    private static long ToMilliseconds(long timestamp, long frequency) =>
        timestamp / frequency * 1000 + timestamp % frequency * 1000 / frequency;
}
