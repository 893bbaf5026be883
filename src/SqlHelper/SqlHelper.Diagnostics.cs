using System.Diagnostics;
using SqlHelpers.Diagnostics;
using SqlHelpers.Scopes;

namespace SqlHelpers;

// Where a scope was opened, its activity, and leak reports.
public sealed partial class SqlHelper
{
    /// <summary>The stack of the user code that opened a scope, without SqlHelper's own frames.</summary>
    private static string CaptureOpenSite()
    {
        var frames = new StackTrace(1, fNeedFileInfo: true).GetFrames()
            .SkipWhile(static f => f.GetMethod()?.DeclaringType?.Assembly == typeof(SqlHelper).Assembly);
        return new StackTrace(frames).ToString();
    }

    private Activity? StartActivity(ScopeLease lease, SqlScope? parent)
    {
        // The span never becomes Activity.Current: an async open or dispose could not undo that in the caller's flow.
        // Nested scopes name their enclosing scope's span as parent explicitly.
        var previous = Activity.Current;
        var parentContext = parent?.Lease.Activity?.Context ?? previous?.Context ?? default;
        var activity = SqlHelperTelemetry.Source.StartActivity(SqlHelperTelemetry.ScopeActivityName, ActivityKind.Internal, parentContext);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            foreach (var tag in _telemetry.Tags)
                activity.SetTag(tag.Key, tag.Value);
            activity.SetTag("sqlhelper.scope.depth", lease.Depth);
            activity.SetTag("sqlhelper.scope.mode", _options.Mode.ToString());
            activity.SetTag("sqlhelper.scope.joined", lease.IsJoined);
        }
        return activity;
    }

    private void ReportSuspectedLeak(ScopeLease lease, string sites)
    {
        _counters.LeakDetected();
        if (_telemetry.Leaks.Enabled)
            _telemetry.Leaks.Add(1, _telemetry.Tags);
        Log.ScopeLeakSuspected(_logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0, lease.Age.TotalSeconds, sites);
    }

    private void ReportAbandoned(ScopeLease lease)
    {
        if (lease.TryMarkLeakReported())
        {
            _counters.LeakDetected();
            if (_telemetry.Leaks.Enabled)
                _telemetry.Leaks.Add(1, _telemetry.Tags);
        }
        Log.ScopeAbandoned(_logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0, lease.Age.TotalSeconds,
            LeakDetector.DescribeSites(lease, lease.Pool!.Registry.Snapshot()));
    }
}
