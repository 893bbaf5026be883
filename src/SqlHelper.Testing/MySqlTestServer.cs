using MySqlConnector;
using Testcontainers.MySql;

namespace SqlHelpers.Testing;

/// <summary>
/// A MySQL-compatible server for integration tests. <see cref="StartAsync"/> picks, in order: the server named by
/// <c>SQLHELPER_TEST_CONNECTION</c>; a MySQL 8.4 container when a Docker engine answers; a private throwaway
/// <c>mariadbd</c>/<c>mysqld</c> when one is installed; otherwise it fails with a message naming these three ways.
/// </summary>
public sealed class MySqlTestServer : IAsyncDisposable, IDisposable
{
    /// <summary>The environment variable naming an existing server for the tests.</summary>
    public const string ConnectionVariable = "SQLHELPER_TEST_CONNECTION";

    /// <summary>The environment variable naming an administrative connection to that server (defaults to <see cref="ConnectionVariable"/>).</summary>
    public const string AdminConnectionVariable = "SQLHELPER_TEST_ADMIN_CONNECTION";

    /// <summary>The MySQL image used with Docker.</summary>
    public const string ContainerImage = "mysql:8.4";

    private const string AdminUserName = "sqlhelper_admin";

    private readonly LocalServerProcess? _local;
    private readonly MySqlContainer? _container;

    private MySqlTestServer(MySqlTestServerKind kind, string connectionString, string adminConnectionString, string version, LocalServerProcess? local, MySqlContainer? container, string? caCertificatePath)
    {
        Kind = kind;
        ConnectionString = connectionString;
        AdminConnectionString = adminConnectionString;
        Version = version;
        _local = local;
        _container = container;
        CaCertificatePath = caCertificatePath;
        var builder = new MySqlConnectionStringBuilder(connectionString);
        Host = builder.Server;
        Port = (int) builder.Port;
        Database = builder.Database;
        UserName = builder.UserID;
        Password = builder.Password;
    }

    /// <summary>Gets where the server came from.</summary>
    public MySqlTestServerKind Kind { get; }

    /// <summary>Gets the application user's connection string (database, user and password; no PROCESS privilege).</summary>
    public string ConnectionString { get; }

    /// <summary>Gets a connection string with administrative privileges (KILL of any session, PROCESS, SHUTDOWN) to the same database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Gets the server's host.</summary>
    public string Host { get; }

    /// <summary>Gets the server's TCP port.</summary>
    public int Port { get; }

    /// <summary>Gets the test database.</summary>
    public string Database { get; }

    /// <summary>Gets the application user.</summary>
    public string UserName { get; }

    /// <summary>Gets the application user's password.</summary>
    public string Password { get; }

    /// <summary>Gets the server's version string.</summary>
    public string Version { get; }

    /// <summary>Gets the CA certificate that signed the server's certificate, when started with <see cref="MySqlTestServerOptions.EnableTls"/>.</summary>
    public string? CaCertificatePath { get; }

    /// <summary>Gets whether <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> are supported (local servers only).</summary>
    public bool CanRestart => _local is not null;

    /// <summary>Starts (or finds) a server and creates the test database and users.</summary>
    /// <param name="options">The options; <c>null</c> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The running server; dispose it to stop and delete a server this call started.</returns>
    /// <exception cref="InvalidOperationException">No way to get a server was found; the message lists the three ways.</exception>
    public static async Task<MySqlTestServer> StartAsync(MySqlTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MySqlTestServerOptions();
        if (!options.RequireLocalBinary && Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } external)
            return await UseExternalAsync(external, cancellationToken).ConfigureAwait(false);
        if (!options.RequireLocalBinary && await DockerProbe.IsEngineAvailableAsync(cancellationToken).ConfigureAwait(false))
            return await StartContainerAsync(options, cancellationToken).ConfigureAwait(false);
        if (LocalServerProcess.FindServerBinary() is { } binary)
            return await StartLocalAsync(binary, options, cancellationToken).ConfigureAwait(false);
        throw new InvalidOperationException(
            "No MySQL-compatible server is available for the tests. Get one in any of these three ways: " +
            $"(1) set {ConnectionVariable} to the connection string of an existing server (and optionally {AdminConnectionVariable}); " +
            "(2) run a Docker engine, so that Testcontainers can start a " + ContainerImage + " container; " +
            "(3) install mariadb-server or mysql-server so that mariadbd or mysqld is on PATH (e.g. apt-get install -y mariadb-server).");
    }

    /// <summary>Stops a local server, keeping its data, so tests can see how clients behave while it is down.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server process has exited.</returns>
    /// <exception cref="NotSupportedException">The server is not a local one (<see cref="CanRestart"/> is false).</exception>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        (_local ?? throw NotRestartable()).StopAsync(cancellationToken);

    /// <summary>Starts a stopped local server again on the same port and data directory.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    /// <exception cref="NotSupportedException">The server is not a local one (<see cref="CanRestart"/> is false).</exception>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        (_local ?? throw NotRestartable()).StartAsync(cancellationToken);

    /// <summary>Describes the server in one line; never the password.</summary>
    /// <returns>A description such as <c>local mariadbd 10.11.19-MariaDB on 127.0.0.1:40123 (data in /tmp/...)</c>.</returns>
    public string Describe() => Kind switch
    {
        MySqlTestServerKind.LocalBinary => $"local server {Version} on {Host}:{Port}, database {Database} (data in {_local!.Directory})",
        MySqlTestServerKind.Container => $"{ContainerImage} container ({Version}) on {Host}:{Port}, database {Database}",
        _ => $"existing server {Version} on {Host}:{Port}, database {Database} (from {ConnectionVariable})",
    };

    /// <summary>Describes the server in one line; never the password.</summary>
    /// <returns>The same as <see cref="Describe"/>.</returns>
    public override string ToString() => Describe();

    /// <summary>Stops and deletes a server this object started; an external server is left alone.</summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_local is not null)
            await _local.DisposeAsync().ConfigureAwait(false);
        if (_container is not null)
            await _container.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops and deletes a server this object started; an external server is left alone.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static NotSupportedException NotRestartable() =>
        new("Only a local server started by MySqlTestServer can be stopped and started again; this one is external or a container.");

    private static async Task<MySqlTestServer> UseExternalAsync(string connectionString, CancellationToken cancellationToken)
    {
        var admin = Environment.GetEnvironmentVariable(AdminConnectionVariable) is { Length: > 0 } a ? a : connectionString;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return new MySqlTestServer(MySqlTestServerKind.External, connectionString, admin, connection.ServerVersion, null, null, null);
    }

    private static async Task<MySqlTestServer> StartContainerAsync(MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var container = new MySqlBuilder(ContainerImage)
            .WithDatabase(options.DatabaseName)
            .WithUsername(options.UserName)
            .WithPassword(options.Password)
            .Build();
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
            var app = new MySqlConnectionStringBuilder(container.GetConnectionString()) { Server = container.Hostname, Port = container.GetMappedPublicPort(3306) };
            var admin = new MySqlConnectionStringBuilder(app.ConnectionString) { UserID = "root" };
            await using var connection = new MySqlConnection(admin.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new MySqlTestServer(MySqlTestServerKind.Container, app.ConnectionString, admin.ConnectionString, connection.ServerVersion, null, container, null);
        }
        catch
        {
            await container.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Wraps a local server whose database and users came from elsewhere (a replica fed by its primary).</summary>
    internal static async Task<MySqlTestServer> WrapLocalAsync(LocalServerProcess local, string connectionString, string adminConnectionString, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return new MySqlTestServer(MySqlTestServerKind.LocalBinary, connectionString, adminConnectionString, connection.ServerVersion, local, null, null);
    }

    internal static async Task<MySqlTestServer> StartLocalAsync(string binary, MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var local = await LocalServerProcess.CreateAsync(binary, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var adminPassword = "Adm1n-" + Guid.NewGuid().ToString("N")[..12];
            await using (var root = new MySqlConnection(local.RootConnectionString))
            {
                await root.OpenAsync(cancellationToken).ConfigureAwait(false);
                foreach (var statement in new[]
                {
                    $"CREATE DATABASE IF NOT EXISTS `{options.DatabaseName}`",
                    $"CREATE USER '{options.UserName}'@'%' IDENTIFIED BY '{options.Password.Replace("'", "''", StringComparison.Ordinal)}'",
                    $"GRANT ALL ON `{options.DatabaseName}`.* TO '{options.UserName}'@'%'",
                    $"CREATE USER '{AdminUserName}'@'%' IDENTIFIED BY '{adminPassword}'",
                    $"GRANT ALL PRIVILEGES ON *.* TO '{AdminUserName}'@'%' WITH GRANT OPTION",
                })
                {
                    await using var command = new MySqlCommand(statement, root);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            var app = new MySqlConnectionStringBuilder
            {
                Server = "127.0.0.1",
                Port = (uint) local.Port,
                Database = options.DatabaseName,
                UserID = options.UserName,
                Password = options.Password,
            };
            var admin = new MySqlConnectionStringBuilder(app.ConnectionString) { UserID = AdminUserName, Password = adminPassword };
            string? ca = null;
            if (options.EnableTls)
                ca = Path.Combine(local.Directory, "ca.pem");
            return new MySqlTestServer(MySqlTestServerKind.LocalBinary, app.ConnectionString, admin.ConnectionString, local.Version, local, null, ca);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
