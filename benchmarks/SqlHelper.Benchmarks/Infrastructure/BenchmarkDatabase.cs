using MySqlConnector;

namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>
/// The server the benchmarks talk to: the one named by <c>--connection</c>, else by the <c>SQLHELPER_CONNECTION</c>
/// environment variable, else a throwaway server started for the run and stopped when this object is disposed.
/// </summary>
internal sealed class BenchmarkDatabase : IAsyncDisposable
{
    /// <summary>The environment variable that names the server (also how the host hands it to BenchmarkDotNet's child processes).</summary>
    public const string EnvironmentVariable = "SQLHELPER_CONNECTION";

    private readonly IAsyncDisposable? _owned;

    private BenchmarkDatabase(string connectionString, string source, IAsyncDisposable? owned)
    {
        ConnectionString = connectionString;
        Builder = new MySqlConnectionStringBuilder(connectionString);
        Source = source;
        _owned = owned;
    }

    /// <summary>Gets the connection string of the application user.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the parsed connection string.</summary>
    public MySqlConnectionStringBuilder Builder { get; }

    /// <summary>Gets where the connection string came from.</summary>
    public string Source { get; }

    /// <summary>Gets a description of the server without the password.</summary>
    public string Description => $"{Builder.UserID}@{Builder.Server}:{Builder.Port}/{Builder.Database} ({Source})";

    /// <summary>Gets the connection string from the environment, for benchmarks running in BenchmarkDotNet's child processes.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set.</exception>
    public static string FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. Run the benchmarks through the exe's Main (it sets it), or set it to a MySqlConnector connection string.");

    /// <summary>Finds or starts the server.</summary>
    /// <param name="connectionString">The value of <c>--connection</c>, or <c>null</c>.</param>
    public static async Task<BenchmarkDatabase> ResolveAsync(string? connectionString)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
            return new BenchmarkDatabase(connectionString, "--connection", null);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
            return new BenchmarkDatabase(fromEnvironment, EnvironmentVariable, null);
        var server = await ThrowawayServer.StartAsync();
        return new BenchmarkDatabase(server.ConnectionString, server.Description, server);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
            await _owned.DisposeAsync();
    }
}
