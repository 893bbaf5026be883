using MySqlConnector;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Backends;

/// <summary>An existing server named by <c>SQLHELPER_TEST_CONNECTION</c>: connected to once to check it, never stopped or changed.</summary>
internal sealed class ExternalServer : ITestServerBackend
{
    private ExternalServer(string connectionString, string adminConnectionString, string version)
    {
        ConnectionString = connectionString;
        AdminConnectionString = adminConnectionString;
        Version = version;
    }

    public MySqlTestServerKind Kind => MySqlTestServerKind.External;

    public string ConnectionString { get; }

    public string AdminConnectionString { get; }

    public string Version { get; }

    public string? CaCertificatePath => null;

    public string? ErrorLogPath => null;

    public bool CanRestart => false;

    /// <summary>Checks that both connection strings connect.</summary>
    /// <exception cref="InvalidOperationException">A string is malformed or does not connect; the message names the variable, never the password.</exception>
    public static async Task<ExternalServer> ConnectAsync(string connectionString, string? adminConnectionString, CancellationToken cancellationToken)
    {
        var version = await CheckAsync(connectionString, MySqlTestServer.ConnectionVariable, cancellationToken).ConfigureAwait(false);
        if (adminConnectionString is not null)
            await CheckAsync(adminConnectionString, MySqlTestServer.AdminConnectionVariable, cancellationToken).ConfigureAwait(false);
        return new ExternalServer(connectionString, adminConnectionString ?? connectionString, version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task StartAgainAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public string Describe()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        return $"external server {Version} on {builder.Server}:{builder.Port}, database {builder.Database} (from {MySqlTestServer.ConnectionVariable})";
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<string> CheckAsync(string connectionString, string variable, CancellationToken cancellationToken)
    {
        MySqlConnectionStringBuilder builder;
        try
        {
            builder = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"{variable} is not a valid MySqlConnector connection string ({ex.Message}). Fix it, or unset it to let MySqlTestServer start a server.", ex);
        }
        try
        {
            return await ServerQuery.VersionAsync(connectionString, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException ex)
        {
            throw new InvalidOperationException(
                $"Could not connect to the server named by {variable} ({builder.Server}:{builder.Port}, user {builder.UserID}, database {builder.Database}): {ex.Message.TrimEnd('.')}. " +
                $"Check that the server runs and the user may log in, or unset {variable} to let MySqlTestServer start a server.", ex);
        }
    }
}
