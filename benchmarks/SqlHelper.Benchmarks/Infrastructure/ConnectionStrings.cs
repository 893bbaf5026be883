using MySqlConnector;

namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>
/// Builds the connection strings both sides of a comparison use, so raw MySqlConnector and SqlHelper get the same pool
/// size, reset setting and flags (SqlHelper adds <c>AllowUserVariables</c> and <c>IgnoreCommandTransaction</c>; so does raw).
/// </summary>
internal static class ConnectionStrings
{
    public static string For(string baseConnectionString, bool connectionReset, int maxPoolSize, int? connectTimeoutSeconds = null)
    {
        var builder = new MySqlConnectionStringBuilder(baseConnectionString)
        {
            Pooling = true,
            ConnectionReset = connectionReset,
            MaximumPoolSize = (uint) maxPoolSize,
            MinimumPoolSize = 0,
            AllowUserVariables = true,
            IgnoreCommandTransaction = true,
        };
        if (connectTimeoutSeconds is { } timeout)
            builder.ConnectionTimeout = (uint) timeout;
        return builder.ConnectionString;
    }

    /// <summary>Options for a helper over <paramref name="connectionString"/> holding at most <paramref name="maxConnections"/>.</summary>
    public static SqlHelperOptions Helper(string connectionString, ScopeMode mode, int maxConnections, bool validateParameters = true) => new()
    {
        ConnectionString = connectionString,
        Mode = mode,
        MaxConnections = maxConnections,
        ValidateParameters = validateParameters,
        AcquireTimeout = TimeSpan.FromSeconds(30),
    };
}
