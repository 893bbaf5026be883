using MySqlConnector;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Backends;

/// <summary>
/// A private local server (<see cref="LocalServerProcess"/>) with the test database, the application user (ALL on that
/// database, nothing global: no PROCESS, no SUPER) and an administrative user with every privilege.
/// </summary>
internal sealed class LocalBinaryServer : ITestServerBackend
{
    /// <summary>The administrative user created on every local server (root may log in only over the socket).</summary>
    public const string AdminUserName = "sqlhelper_admin";

    private LocalBinaryServer(LocalServerProcess process, string connectionString, string adminConnectionString)
    {
        Process = process;
        ConnectionString = connectionString;
        AdminConnectionString = adminConnectionString;
    }

    public MySqlTestServerKind Kind => MySqlTestServerKind.LocalBinary;

    public LocalServerProcess Process { get; }

    public string ConnectionString { get; }

    public string AdminConnectionString { get; }

    public string Version => Process.Version;

    public string? CaCertificatePath => Process.CaCertificatePath;

    public string? ErrorLogPath => Process.ErrorLogPath;

    public bool CanRestart => true;

    public static async Task<LocalBinaryServer> StartAsync(ServerBinary binary, MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var process = await LocalServerProcess.StartNewAsync(binary, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var adminPassword = "Adm1n-" + Guid.NewGuid().ToString("N")[..16];
            var database = SqlText.Identifier(options.DatabaseName);
            var user = SqlText.AnyHostAccount(options.UserName);
            var admin = SqlText.AnyHostAccount(AdminUserName);
            await process.ExecuteAsRootAsync(
            [
                $"CREATE DATABASE IF NOT EXISTS {database}",
                $"CREATE USER {user} IDENTIFIED BY {SqlText.Literal(options.Password)}",
                $"GRANT ALL ON {database}.* TO {user}",
                $"CREATE USER {admin} IDENTIFIED BY {SqlText.Literal(adminPassword)}",
                $"GRANT ALL PRIVILEGES ON *.* TO {admin} WITH GRANT OPTION",
            ], cancellationToken).ConfigureAwait(false);
            var app = new MySqlConnectionStringBuilder
            {
                Server = "127.0.0.1",
                Port = (uint) process.Port,
                Database = options.DatabaseName,
                UserID = options.UserName,
                Password = options.Password,
            };
            var adminString = new MySqlConnectionStringBuilder(app.ConnectionString) { UserID = AdminUserName, Password = adminPassword };
            return new LocalBinaryServer(process, app.ConnectionString, adminString.ConnectionString);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Wraps a running server whose database and users came from elsewhere (a replica fed by its primary).</summary>
    public static LocalBinaryServer Wrap(LocalServerProcess process, string connectionString, string adminConnectionString) =>
        new(process, connectionString, adminConnectionString);

    public Task StopAsync(CancellationToken cancellationToken) => Process.StopAsync(cancellationToken);

    public Task StartAgainAsync(CancellationToken cancellationToken) => Process.StartAsync(cancellationToken);

    public string Describe() =>
        $"local {Process.Binary.Name} {Version} on 127.0.0.1:{Process.Port} (data dir {Process.Directory}{(Process.IsRunning ? "" : ", stopped")})";

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
