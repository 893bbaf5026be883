using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers;

/// <summary>
/// Checks <see cref="SqlHelperOptions"/> by the rules a <see cref="SqlHelper"/> applies when it is built, without building
/// one, opening a connection or changing the options: so a bad value fails at start-up with the option's name instead of
/// surprising the first caller. Messages never contain a password.
/// </summary>
public static class SqlHelperOptionsValidator
{
    /// <summary>Validates <paramref name="options"/>, the replica options included.</summary>
    /// <param name="options">The options to check; they are not changed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <c>null</c>.</exception>
    /// <exception cref="ArgumentException">An option has a bad value; the message and <see cref="ArgumentException.ParamName"/> name it.</exception>
    public static void Validate(SqlHelperOptions options) => ThrowIfInvalid(options);

    /// <summary>Validates <paramref name="options"/> and returns the parsed connection strings.</summary>
    internal static ValidatedOptions ThrowIfInvalid(SqlHelperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var nodes = ValidateNodes(options);
        var primary = ValidatePrimary(options, nodes);
        return new ValidatedOptions(primary, ValidateReplicas(options), nodes);
    }

    private static MySqlConnectionStringBuilder ValidatePrimary(SqlHelperOptions options, List<MySqlConnectionStringBuilder> nodes)
    {
        // With cluster nodes the first node stands in for the primary (statistics, warm-up); every node has its own pool.
        var builder = nodes.Count != 0 ? new MySqlConnectionStringBuilder(nodes[0].ConnectionString) : ParseConnectionString(options.ConnectionString);

        if (options.MaxConnections <= 0)
            throw Fail(nameof(SqlHelperOptions.MaxConnections), $"MaxConnections must be at least 1, but was {options.MaxConnections}.");
        if (options.MinIdle < 0)
            throw Fail(nameof(SqlHelperOptions.MinIdle), $"MinIdle must not be negative, but was {options.MinIdle}.");
        if (options.MinIdle > options.MaxConnections)
            throw Fail(nameof(SqlHelperOptions.MinIdle), $"MinIdle ({options.MinIdle}) must not exceed MaxConnections ({options.MaxConnections}).");
        if (options.AcquireTimeout < TimeSpan.Zero || options.AcquireTimeout > TimeSpan.FromMilliseconds(int.MaxValue))
            throw Fail(nameof(SqlHelperOptions.AcquireTimeout), $"AcquireTimeout must be between zero and {TimeSpan.FromMilliseconds(int.MaxValue)}, but was {options.AcquireTimeout}.");
        if (options.ReservedForNested is { } reserved && (reserved < 0 || reserved >= options.MaxConnections))
            throw Fail(nameof(SqlHelperOptions.ReservedForNested), $"ReservedForNested must be at least 0 and less than MaxConnections ({options.MaxConnections}), but was {reserved}.");
        if (options.SelfDeadlockDetectionDelay <= TimeSpan.Zero && options.SelfDeadlockDetectionDelay != Timeout.InfiniteTimeSpan)
            throw Fail(nameof(SqlHelperOptions.SelfDeadlockDetectionDelay), $"SelfDeadlockDetectionDelay must be positive or Timeout.InfiniteTimeSpan, but was {options.SelfDeadlockDetectionDelay}.");
        if (options.LeakDetectionThreshold is { } threshold && threshold <= TimeSpan.Zero)
            throw Fail(nameof(SqlHelperOptions.LeakDetectionThreshold), $"LeakDetectionThreshold must be positive (or null to turn it off), but was {threshold}.");
        if (!Enum.IsDefined(options.SessionReset))
            throw Fail(nameof(SqlHelperOptions.SessionReset), $"SessionReset {(int) options.SessionReset} is not a defined SessionResetPolicy.");
        if (options.PingAfterIdle < TimeSpan.Zero)
            throw Fail(nameof(SqlHelperOptions.PingAfterIdle), $"PingAfterIdle must not be negative, but was {options.PingAfterIdle}.");
        if (!Enum.IsDefined(options.Mode))
            throw Fail(nameof(SqlHelperOptions.Mode), $"Mode {(int) options.Mode} is not a defined ScopeMode.");
        if (options.SessionInit is { } init)
        {
            for (var i = 0; i < init.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(init[i]))
                    throw Fail(nameof(SqlHelperOptions.SessionInit), $"SessionInit[{i}] is empty; every entry must be an SQL statement.");
            }
        }

        return builder;
    }

    private static List<MySqlConnectionStringBuilder> ValidateReplicas(SqlHelperOptions options)
    {
        if (options.ReplicaMaxConnections is { } max && max <= 0)
            throw Fail(nameof(SqlHelperOptions.ReplicaMaxConnections), $"ReplicaMaxConnections must be at least 1 (or null for MaxConnections), but was {max}.");
        if (options.MaxReplicaLag <= TimeSpan.Zero)
            throw Fail(nameof(SqlHelperOptions.MaxReplicaLag), $"MaxReplicaLag must be positive, but was {options.MaxReplicaLag}.");
        if (options.ReplicaCheckInterval <= TimeSpan.Zero)
            throw Fail(nameof(SqlHelperOptions.ReplicaCheckInterval), $"ReplicaCheckInterval must be positive, but was {options.ReplicaCheckInterval}.");
        var replicas = new List<MySqlConnectionStringBuilder>();
        var list = options.ReplicaConnectionStrings ?? [];
        for (var i = 0; i < list.Count; i++)
            replicas.Add(ParseConnectionString(list[i], $"{nameof(SqlHelperOptions.ReplicaConnectionStrings)}[{i}]", nameof(SqlHelperOptions.ReplicaConnectionStrings)));
        return replicas;
    }

    private static List<MySqlConnectionStringBuilder> ValidateNodes(SqlHelperOptions options)
    {
        var nodes = new List<MySqlConnectionStringBuilder>();
        var list = options.ClusterNodes ?? [];
        if (list.Count == 0)
            return nodes;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
            throw Fail(nameof(SqlHelperOptions.ClusterNodes), "ClusterNodes and ConnectionString are both set; with ClusterNodes every node is named there, so leave ConnectionString empty.");
        if (options.ReplicaConnectionStrings is { Count: > 0 })
            throw Fail(nameof(SqlHelperOptions.ClusterNodes), "ClusterNodes and ReplicaConnectionStrings are both set; a cluster's nodes all take reads and writes, so leave ReplicaConnectionStrings empty.");
        for (var i = 0; i < list.Count; i++)
            nodes.Add(ParseConnectionString(list[i], $"{nameof(SqlHelperOptions.ClusterNodes)}[{i}]", nameof(SqlHelperOptions.ClusterNodes)));
        return nodes;
    }

    private static MySqlConnectionStringBuilder ParseConnectionString(string? connectionString) =>
        ParseConnectionString(connectionString, nameof(SqlHelperOptions.ConnectionString), nameof(SqlHelperOptions.ConnectionString));

    private static MySqlConnectionStringBuilder ParseConnectionString(string? connectionString, string label, string optionName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw Fail(optionName, $"{label} is required, but was empty.");
        try
        {
            var builder = new MySqlConnectionStringBuilder(connectionString);
            // Reading every option makes the builder parse its values now (bad numbers, enums, booleans).
            foreach (var key in builder.Keys.Cast<string>().ToList())
                _ = builder[key];
            return builder;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            var message = SecretRedactor.Redact(ex.Message, connectionString);
            throw new ArgumentException($"{label} is not valid: {message}", optionName);
        }
    }

    private static ArgumentException Fail(string optionName, string message) => new(message, optionName);
}
