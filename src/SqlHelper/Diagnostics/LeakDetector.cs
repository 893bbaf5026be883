using System.Globalization;
using System.Text;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;
using SqlHelpers.Utilities;

namespace SqlHelpers.Diagnostics;

/// <summary>
/// Reports, once each, scopes held longer than <see cref="SqlHelperOptions.LeakDetectionThreshold"/> (HikariCP's leak
/// detection), with the stacks of where they and the other scopes of their flow were opened when
/// <see cref="SqlHelperOptions.CaptureOpenSite"/> is on. A timer scans the registries; the hot path pays nothing.
/// </summary>
internal sealed class LeakDetector : IDisposable
{
    private readonly ScopePool[] _pools;
    private readonly TimeSpan _threshold;
    private readonly ScopeEvents _events;
    private readonly Clock _clock;
    private readonly ITimer _timer;

    public LeakDetector(ScopePool[] pools, TimeSpan threshold, ScopeEvents events, Clock clock)
    {
        _pools = pools;
        _threshold = threshold;
        _events = events;
        _clock = clock;
        var period = TimeSpan.FromTicks(Math.Clamp(threshold.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _timer = clock.Time.CreateTimer(static state => ((LeakDetector) state!).Scan(), this, period, period);
    }

    public void Dispose() => _timer.Dispose();

    internal void Scan()
    {
        List<ScopeLease>? live = null;
        foreach (var lease in _pools.SelectMany(static p => p.Registry.Snapshot()))
        {
            var age = _clock.Since(lease.OpenedMilliseconds);
            if (age < _threshold || !lease.TryMarkLeakReported())
                continue;
            live ??= [.. _pools.SelectMany(static p => p.Registry.Snapshot())];
            _events.LeakSuspected(lease, age, DescribeSites(lease, live));
        }
    }

    /// <summary>Describes where the leaked scope and the other live scopes of its flow were opened.</summary>
    internal static string DescribeSites(ScopeLease lease, IReadOnlyList<ScopeLease> live)
    {
        if (lease.OpenSite is null)
            return " (set CaptureOpenSite to see where it was opened)";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"; opened at:\n{lease.OpenSite}");
        foreach (var other in live.Where(l => l.FlowId == lease.FlowId && l != lease).OrderBy(static l => l.Depth))
            text.Append(CultureInfo.InvariantCulture, $"\nscope {other.Id} of the same flow (depth {other.Depth}) was opened at:\n{other.OpenSite}");
        return text.ToString();
    }
}
