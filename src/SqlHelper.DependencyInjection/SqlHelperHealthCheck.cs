using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace SqlHelpers.DependencyInjection;

/// <summary>
/// Probes a <see cref="SqlHelper"/>: <c>SELECT 1</c> on a scope of its own, within a timeout, and the share of
/// <see cref="SqlHelperOptions.MaxConnections"/> held by live scopes.
/// </summary>
internal sealed class SqlHelperHealthCheck : IHealthCheck
{
    public const double DefaultDegradedThreshold = 0.9;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly SqlHelper _db;
    private readonly TimeSpan _timeout;
    private readonly double _degradedThreshold;
    private readonly string? _password;

    public SqlHelperHealthCheck(SqlHelper db, TimeSpan timeout, double degradedThreshold)
    {
        _db = db;
        _timeout = timeout;
        _degradedThreshold = degradedThreshold;
        var password = new MySqlConnectionStringBuilder(db.Options.ConnectionString).Password;
        _password = string.IsNullOrEmpty(password) ? null : password;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Measured before the probe takes a connection of its own.
        var before = _db.GetStatistics();
        var busy = IsNearlyExhausted(before);
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var probe = ProbeAsync(timeout.Token);
        try
        {
            // The token alone is not enough: MySqlConnector may not notice it while it waits for a silent server's
            // greeting, so the check stops waiting at the timeout even when the probe goes on until Connection Timeout.
            var answer = await probe.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            if (answer != 1)
                return Failure(context, $"The server answered SELECT 1 with {answer}.", null, stopwatch, before);
        }
        catch (TimeoutException)
        {
            // The probe's own token fires at the same moment, so the probe may already have ended in a cancellation:
            // either way this is a timeout. Cancelled before the source is disposed, so an abandoned probe gives up.
            await timeout.CancelAsync().ConfigureAwait(false);
            _ = probe.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return TimedOut(context, busy, stopwatch, before);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut(context, busy, stopwatch, before);
        }
        catch (SqlPoolExhaustedException ex)
        {
            return Result(HealthStatus.Degraded, Redact(ex.Message), ex, stopwatch, before);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException or TimeoutException)
        {
            return Failure(context, $"The server did not answer SELECT 1: {Redact(ex.Message)}", ex, stopwatch, before);
        }

        return busy
            ? Result(HealthStatus.Degraded, $"The pool is nearly exhausted: {before.HeldConnections}/{before.MaxConnections} connections are held by open scopes.", null, stopwatch, before)
            : Result(HealthStatus.Healthy, $"The server answered SELECT 1 in {stopwatch.Elapsed.TotalMilliseconds:0} ms.", null, stopwatch, before);
    }

    /// <summary>Runs <c>SELECT 1</c> on a scope of its own.</summary>
    private async Task<int> ProbeAsync(CancellationToken cancellationToken)
    {
        // A scope of its own (nested in the caller's, if any), so the probe checks the pool and a fresh session rather
        // than a connection some request already holds.
        var scope = await _db.OpenAsync(ScopeOption.RequiresNew, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
            return await scope.FetchOneAsync<int>("SELECT 1", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private HealthCheckResult TimedOut(HealthCheckContext context, bool busy, Stopwatch stopwatch, SqlHelperStatistics before) =>
        busy
            ? Result(HealthStatus.Degraded, $"The pool is nearly exhausted ({before.HeldConnections}/{before.MaxConnections} connections held) and the probe got no answer within {_timeout.TotalSeconds:0.###} s.", null, stopwatch, before)
            : Failure(context, $"The server did not answer SELECT 1 within {_timeout.TotalSeconds:0.###} s.", null, stopwatch, before);

    private bool IsNearlyExhausted(SqlHelperStatistics statistics) =>
        statistics.MaxConnections > 0 && statistics.HeldConnections >= Math.Ceiling(_degradedThreshold * statistics.MaxConnections);

    private HealthCheckResult Failure(HealthCheckContext context, string description, Exception? exception, Stopwatch stopwatch, SqlHelperStatistics before) =>
        Result(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy, description, exception, stopwatch, before);

    private HealthCheckResult Result(HealthStatus status, string description, Exception? exception, Stopwatch stopwatch, SqlHelperStatistics before)
    {
        var data = new Dictionary<string, object>
        {
            ["elapsedMs"] = Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1),
            ["openScopes"] = before.OpenScopes,
            ["heldConnections"] = before.HeldConnections,
            ["maxConnections"] = before.MaxConnections,
            ["peakOpenScopes"] = before.PeakOpenScopes,
            ["acquireWaits"] = before.AcquireWaits,
            ["acquireTimeouts"] = before.AcquireTimeouts,
            ["poolExhaustions"] = before.PoolExhaustions,
            ["leaksDetected"] = before.LeaksDetected,
        };
        if (exception is not null)
        {
            data["error"] = exception.GetType().Name;
            if (exception is MySqlException { ErrorCode: var code })
                data["errorCode"] = code.ToString();
        }
        // The exception object is not passed on: health check writers serialize it as they like, and its message has
        // already been put, redacted, into the description.
        return new HealthCheckResult(status, description, exception: null, data);
    }

    private string Redact(string message) =>
        _password is null ? message : message.Replace(_password, "***", StringComparison.Ordinal);
}
