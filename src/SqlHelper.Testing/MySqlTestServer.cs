using MySqlConnector;
using SqlHelpers.Testing.Backends;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing;

/// <summary>
/// A MySQL-compatible server for integration tests. <see cref="StartAsync"/> picks, in order: the server named by
/// <c>SQLHELPER_TEST_CONNECTION</c>; a MySQL 8.4 container when a Docker engine answers; a private throwaway
/// <c>mariadbd</c>/<c>mysqld</c> when one is installed; otherwise it fails with a message naming these three ways.
/// It never skips silently.
/// </summary>
public sealed class MySqlTestServer : IAsyncDisposable, IDisposable
{
    /// <summary>The environment variable naming an existing server for the tests.</summary>
    public const string ConnectionVariable = "SQLHELPER_TEST_CONNECTION";

    /// <summary>The environment variable naming an administrative connection to that server (defaults to <see cref="ConnectionVariable"/>).</summary>
    public const string AdminConnectionVariable = "SQLHELPER_TEST_ADMIN_CONNECTION";

    /// <summary>The MySQL image used with Docker.</summary>
    public const string ContainerImage = "mysql:8.4";

    private readonly ITestServerBackend _backend;
    private int _disposed;

    internal MySqlTestServer(ITestServerBackend backend)
    {
        _backend = backend;
        var builder = new MySqlConnectionStringBuilder(backend.ConnectionString);
        Host = builder.Server;
        Port = (int) builder.Port;
        Database = builder.Database;
        UserName = builder.UserID;
        Password = builder.Password;
    }

    /// <summary>Gets where the server came from.</summary>
    public MySqlTestServerKind Kind => _backend.Kind;

    /// <summary>Gets the application user's connection string: host, port, database, user and password, with default pooling.</summary>
    /// <remarks>The user has ALL privileges on <see cref="Database"/> only: no PROCESS, no SUPER (for an external server, whatever it was given).</remarks>
    public string ConnectionString => _backend.ConnectionString;

    /// <summary>Gets a connection string with every privilege (PROCESS, KILL of any session, SHUTDOWN, GRANT) to the same database.</summary>
    public string AdminConnectionString => _backend.AdminConnectionString;

    /// <summary>Gets the server's host (<c>127.0.0.1</c> for a local server).</summary>
    public string Host { get; }

    /// <summary>Gets the server's TCP port.</summary>
    public int Port { get; }

    /// <summary>Gets the test database.</summary>
    public string Database { get; }

    /// <summary>Gets the application user.</summary>
    public string UserName { get; }

    /// <summary>Gets the application user's password.</summary>
    public string Password { get; }

    /// <summary>Gets the server's version, as <c>SELECT VERSION()</c> returns it (e.g. <c>10.11.6-MariaDB-0+deb12u1</c> or <c>8.4.3</c>).</summary>
    public string Version => _backend.Version;

    /// <summary>Gets the CA certificate that signed the server's certificate, when a local server was started with <see cref="MySqlTestServerOptions.EnableTls"/>; otherwise <c>null</c>.</summary>
    /// <remarks>Use it as <c>SslMode=VerifyCA;SslCa=</c><i>path</i> (or VerifyFull: the certificate is for <c>127.0.0.1</c>).</remarks>
    public string? CaCertificatePath => _backend.CaCertificatePath;

    /// <summary>
    /// Gets the path of the server's error log when it is a local server (<see cref="MySqlTestServerKind.LocalBinary"/>);
    /// otherwise <c>null</c>. The log survives a crash and a <see cref="StartAgainAsync"/> (the server appends to it), so
    /// a test can show why the server died; it is deleted with the server on dispose.
    /// </summary>
    public string? ErrorLogPath => _backend.ErrorLogPath;

    /// <summary>Gets whether <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> are supported: true only for <see cref="MySqlTestServerKind.LocalBinary"/>.</summary>
    public bool CanRestart => _backend.CanRestart;

    /// <summary>Asynchronously finds or starts a server and, for a server it starts, creates the test database and users.</summary>
    /// <param name="options">The options; <c>null</c> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The running server; dispose it to stop and delete a server this call started (an external one is left alone).</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has an empty name, a non-positive timeout or server id.</exception>
    /// <exception cref="InvalidOperationException">No way to get a server was found (the message lists the three ways), the server named by
    /// <c>SQLHELPER_TEST_CONNECTION</c> does not connect, or a local server exited while starting (the message ends with its error log).</exception>
    /// <exception cref="TimeoutException">A local server did not accept connections within <see cref="MySqlTestServerOptions.StartTimeout"/>.</exception>
    public static async Task<MySqlTestServer> StartAsync(MySqlTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MySqlTestServerOptions();
        Validate(options);
        if (!options.RequireLocalBinary && Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } external)
        {
            var admin = Environment.GetEnvironmentVariable(AdminConnectionVariable) is { Length: > 0 } a ? a : null;
            return new MySqlTestServer(await ExternalServer.ConnectAsync(external, admin, cancellationToken).ConfigureAwait(false));
        }
        if (!options.RequireLocalBinary && await DockerProbe.IsEngineAvailableAsync(cancellationToken).ConfigureAwait(false))
            return new MySqlTestServer(await ContainerServer.StartAsync(options, cancellationToken).ConfigureAwait(false));
        if (await ServerBinary.FindAsync(cancellationToken).ConfigureAwait(false) is { } binary)
            return new MySqlTestServer(await LocalBinaryServer.StartAsync(binary, options, cancellationToken).ConfigureAwait(false));
        if (options.RequireLocalBinary)
        {
            throw new InvalidOperationException(
                $"RequireLocalBinary is set, but no mariadbd or mysqld was found on {ServerBinary.SearchedFolders}. " +
                "Install mariadb-server or mysql-server (e.g. apt-get install -y mariadb-server).");
        }
        throw new InvalidOperationException(
            "No MySQL-compatible server is available for the tests. Get one in any of these three ways: " +
            $"(1) set {ConnectionVariable} to the connection string of an existing server (and optionally {AdminConnectionVariable} to an administrative one); " +
            $"(2) run a Docker engine, so that Testcontainers can start a {ContainerImage} container (no Docker engine answered); " +
            $"(3) install mariadb-server or mysql-server so that mariadbd or mysqld is on PATH (e.g. apt-get install -y mariadb-server); none was found on {ServerBinary.SearchedFolders}.");
    }

    /// <summary>Asynchronously stops a local server, keeping its data directory and port, so tests can see how clients behave while it is down.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server process has exited.</returns>
    /// <exception cref="NotSupportedException">The server is not a local one (<see cref="CanRestart"/> is false).</exception>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        CanRestart ? _backend.StopAsync(cancellationToken) : throw NotRestartable(nameof(StopAsync));

    /// <summary>Asynchronously starts a stopped local server again on the same port and data directory; nothing happens if it runs.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    /// <exception cref="NotSupportedException">The server is not a local one (<see cref="CanRestart"/> is false).</exception>
    /// <exception cref="InvalidOperationException">The server exited while starting; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The server did not accept connections within <see cref="MySqlTestServerOptions.StartTimeout"/>.</exception>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        CanRestart ? _backend.StartAgainAsync(cancellationToken) : throw NotRestartable(nameof(StartAgainAsync));

    /// <summary>Describes the server in one line; never the password.</summary>
    /// <returns>A description such as <c>local mariadbd 10.11.6-MariaDB-0+deb12u1 on 127.0.0.1:40123 (data dir /tmp/sqlhelper-mysqld-…)</c>.</returns>
    public string Describe() => _backend.Describe();

    /// <summary>Describes the server in one line; never the password.</summary>
    /// <returns>The same as <see cref="Describe"/>.</returns>
    public override string ToString() => Describe();

    /// <summary>
    /// Asynchronously stops and deletes a server this object started (a local process and its folder, or a container),
    /// after closing the idle pooled connections to it; an external server is left alone. Safe to call twice.
    /// </summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (Kind != MySqlTestServerKind.External)
        {
            await ClearPoolAsync(ConnectionString).ConfigureAwait(false);
            await ClearPoolAsync(AdminConnectionString).ConfigureAwait(false);
        }
        await _backend.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops and deletes a server this object started; an external server is left alone. Safe to call twice.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static async Task ClearPoolAsync(string connectionString)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await MySqlConnection.ClearPoolAsync(connection).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // the pool's idle connections are closed on a best-effort basis; the server goes away next anyway
        }
    }

    private static void Validate(MySqlTestServerOptions options)
    {
        if (string.IsNullOrEmpty(options.DatabaseName) || string.IsNullOrEmpty(options.UserName))
            throw new ArgumentException("MySqlTestServerOptions.DatabaseName and UserName must not be empty.", nameof(options));
        if (options.Password is null)
            throw new ArgumentException("MySqlTestServerOptions.Password must not be null; use an empty string for no password.", nameof(options));
        if (options.StartTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"MySqlTestServerOptions.StartTimeout must be positive, not {options.StartTimeout}.", nameof(options));
        if (options.ServerId <= 0)
            throw new ArgumentException($"MySqlTestServerOptions.ServerId must be at least 1, not {options.ServerId}.", nameof(options));
        if (options.ExtraServerArguments is null)
            throw new ArgumentException("MySqlTestServerOptions.ExtraServerArguments must not be null; use [] for none.", nameof(options));
    }

    private NotSupportedException NotRestartable(string method) =>
        new($"{method} needs a local server started by MySqlTestServer, but this one is {Kind switch
        {
            MySqlTestServerKind.External => $"an external server (from {ConnectionVariable})",
            _ => $"a {ContainerImage} container",
        }}. Check CanRestart first, or set MySqlTestServerOptions.RequireLocalBinary for tests that stop the server.");
}
