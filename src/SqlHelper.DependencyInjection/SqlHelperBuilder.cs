using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace SqlHelpers.DependencyInjection;

/// <summary>
/// Returned by <see cref="SqlHelperServiceCollectionExtensions.AddSqlHelper(IServiceCollection, Action{SqlHelperOptions})"/>
/// to add services around the registered <see cref="SqlHelper"/>: <c>services.AddSqlHelper(...).AddHealthCheck()</c>.
/// </summary>
public sealed class SqlHelperBuilder
{
    /// <summary>The default name of the health check added by <see cref="AddHealthCheck"/>.</summary>
    public const string DefaultHealthCheckName = "sqlhelper";

    internal SqlHelperBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection the helper is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds a health check on the registered <see cref="SqlHelper"/>: <see cref="HealthStatus.Healthy"/> when
    /// <c>SELECT 1</c> answers within <paramref name="timeout"/> on a scope of its own; <see cref="HealthStatus.Degraded"/>
    /// when the scopes hold at least <paramref name="degradedThreshold"/> of <see cref="SqlHelperOptions.MaxConnections"/>
    /// (also when that is why the probe got no connection in time); <paramref name="failureStatus"/> when the server does
    /// not answer. The result's data carries the helper's statistics; its description names the error, never a password.
    /// </summary>
    /// <param name="name">The health check's name.</param>
    /// <param name="timeout">How long the probe may take, the wait for a connection included; <c>null</c> means 5 seconds.</param>
    /// <param name="degradedThreshold">The share of <see cref="SqlHelperOptions.MaxConnections"/> in use, from 0 to 1, at which the pool counts as nearly exhausted.</param>
    /// <param name="failureStatus">The status reported when the server does not answer; <c>null</c> means <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter health checks by, e.g. <c>"ready"</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive, or <paramref name="degradedThreshold"/> is not between 0 and 1.</exception>
    public SqlHelperBuilder AddHealthCheck(string name = DefaultHealthCheckName, TimeSpan? timeout = null, double degradedThreshold = SqlHelperHealthCheck.DefaultDegradedThreshold,
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var probeTimeout = timeout ?? SqlHelperHealthCheck.DefaultTimeout;
        if (probeTimeout <= TimeSpan.Zero && probeTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), probeTimeout, "The health check's timeout must be positive.");
        if (double.IsNaN(degradedThreshold) || degradedThreshold < 0 || degradedThreshold > 1)
            throw new ArgumentOutOfRangeException(nameof(degradedThreshold), degradedThreshold, "The degraded threshold is a share of MaxConnections and must be between 0 and 1.");

        Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            provider => new SqlHelperHealthCheck(provider.GetRequiredService<SqlHelper>(), probeTimeout, degradedThreshold),
            failureStatus,
            tags));
        return this;
    }

    /// <summary>
    /// Builds the helper when the host starts and opens its <see cref="SqlHelperOptions.MinIdle"/> connections
    /// (<see cref="SqlHelper.WarmUpAsync"/>), so the first requests find them ready. The host then fails to start when
    /// the server cannot be reached.
    /// </summary>
    /// <returns>This builder.</returns>
    public SqlHelperBuilder WarmUpOnStart()
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqlHelperWarmUpService>());
        return this;
    }
}
