using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace SqlHelpers.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>SqlHelper</c>, following OpenTelemetry's
/// database-client conventions where they fit. Every recording is guarded by a listener check, so nothing is measured
/// or allocated when nobody listens.
/// </summary>
internal sealed class SqlHelperTelemetry : IDisposable
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "SqlHelper";

    /// <summary>The name of the activity that spans one scope, from the open call to the release of its connection.</summary>
    public const string ScopeActivityName = "sqlhelper.scope";

    private static readonly string? Version = typeof(SqlHelperTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>Gets the activity source shared by all helpers.</summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?>[] _tags;

    public SqlHelperTelemetry(StatisticsCounters counters, Func<int> heldConnections, int maxConnections, string poolName)
    {
        _meter = new Meter(Name, Version);
        _tags = [new("db.system.name", "mysql"), new("db.client.connection.pool.name", poolName)];
        _meter.CreateObservableUpDownCounter("sqlhelper.scopes.open", () => new Measurement<int>(counters.OpenScopes, _tags), "{scope}", "Live scopes, across all flows.");
        _meter.CreateObservableUpDownCounter("sqlhelper.connections.held", () => new Measurement<int>(heldConnections(), _tags), "{connection}", "Connections held by live scopes or being opened for them.");
        _meter.CreateObservableUpDownCounter("sqlhelper.connections.max", () => new Measurement<int>(maxConnections, _tags), "{connection}", "MaxConnections.");
        AcquireWait = _meter.CreateHistogram<double>("sqlhelper.acquire.wait_time", "s", "Time an open waited for a free connection slot (opens that did not wait are not recorded).");
        HoldTime = _meter.CreateHistogram<double>("sqlhelper.scope.hold_time", "s", "Time a scope held its connection.");
        Depth = _meter.CreateHistogram<int>("sqlhelper.scope.depth", "{scope}", "Nesting depth of opened scopes.");
        Exhaustions = _meter.CreateCounter<long>("sqlhelper.pool.exhaustions", "{open}", "Opens that failed because no connection could be had.");
        Leaks = _meter.CreateCounter<long>("sqlhelper.scope.leaks", "{scope}", "Scopes held past LeakDetectionThreshold or never disposed.");
        ReplicaFallbacks = _meter.CreateCounter<long>("sqlhelper.replica.fallbacks", "{open}", "Read-only opens sent to the primary because no replica was available or one failed.");
    }

    public Counter<long> ReplicaFallbacks { get; }

    /// <summary>Publishes the number of available replicas.</summary>
    public void ObserveReplicas(Func<int> availableReplicas) =>
        _meter.CreateObservableUpDownCounter("sqlhelper.replicas.available", () => new Measurement<int>(availableReplicas(), _tags), "{replica}", "Replicas read-only scopes are routed to.");

    public Histogram<double> AcquireWait { get; }

    public Histogram<double> HoldTime { get; }

    public Histogram<int> Depth { get; }

    public Counter<long> Exhaustions { get; }

    public Counter<long> Leaks { get; }

    public ReadOnlySpan<KeyValuePair<string, object?>> Tags => _tags;

    public void Dispose() => _meter.Dispose();
}
