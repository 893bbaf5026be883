using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SqlHelpers;
using SqlHelpers.DependencyInjection;

// The extension class lives in the container's own namespace, as MySqlConnector.DependencyInjection and the
// Microsoft.Extensions.* packages do, so AddSqlHelper shows up on IServiceCollection without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Extension methods that register a <see cref="SqlHelper"/> with an <see cref="IServiceCollection"/>.</summary>
public static class SqlHelperServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="SqlHelper"/> singleton (disposed with the container) whose <see cref="SqlHelperOptions"/>
    /// are bound from <paramref name="configuration"/> and validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The configuration section holding the options, e.g. <c>configuration.GetSection("SqlHelper")</c>. Keys are the
    /// property names of <see cref="SqlHelperOptions"/>; lists such as <c>SessionInit</c> are JSON arrays and times are
    /// <c>hh:mm:ss</c> strings. A key that names no option is an error at start-up, so a typo is not silently ignored.
    /// </param>
    /// <returns>A builder for further SqlHelper services, such as <see cref="SqlHelperBuilder.AddHealthCheck"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <c>null</c>.</exception>
    public static SqlHelperBuilder AddSqlHelper(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SqlHelperOptions>().Bind(configuration, static binder => binder.ErrorOnUnknownConfiguration = true);
        return AddCore(services, (configuration as IConfigurationSection)?.Path);
    }

    /// <summary>
    /// Registers one <see cref="SqlHelper"/> singleton (disposed with the container) whose <see cref="SqlHelperOptions"/>
    /// are set by <paramref name="configure"/> and validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, at least <see cref="SqlHelperOptions.ConnectionString"/>.</param>
    /// <returns>A builder for further SqlHelper services, such as <see cref="SqlHelperBuilder.AddHealthCheck"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <c>null</c>.</exception>
    public static SqlHelperBuilder AddSqlHelper(this IServiceCollection services, Action<SqlHelperOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SqlHelperOptions>().Configure(configure);
        return AddCore(services, configurationPath: null);
    }

    private static SqlHelperBuilder AddCore(IServiceCollection services, string? configurationPath)
    {
        // The host's logging, unless the options name a factory of their own. Post-configure runs after every Configure
        // and Bind, so it sees what they set.
        services.AddOptions<SqlHelperOptions>()
            .PostConfigure<IServiceProvider>(static (options, provider) => options.LoggerFactory ??= provider.GetService<ILoggerFactory>())
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqlHelperOptions>>(new SqlHelperOptionsValidation(configurationPath)));
        services.TryAddSingleton(static provider => new SqlHelper(provider.GetRequiredService<IOptions<SqlHelperOptions>>().Value));
        return new SqlHelperBuilder(services);
    }
}
