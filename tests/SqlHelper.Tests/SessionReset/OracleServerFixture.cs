using MySqlConnector;
using SqlHelpers.Testing;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// A private server for the statement oracle alone, started and removed with the oracle's tests: the oracle runs
/// thousands of odd statements, and a server they crash must not take the shared server of the other tests with it.
/// It keeps the server's error log across a crash, tells whether the server is still up, and starts it again.
/// </summary>
public sealed class OracleServerFixture : IAsyncLifetime
{
    private MySqlTestServer? _server;
    private long _logOffset;

    /// <summary>Gets the oracle's server.</summary>
    public MySqlTestServer Server => _server ?? throw new InvalidOperationException("The oracle's server has not started.");

    public string ConnectionString => Server.ConnectionString;

    public string AdminConnectionString => Server.AdminConnectionString;

    /// <summary>Gets how many times the server died and was started again.</summary>
    public int Restarts { get; private set; }

    public async Task InitializeAsync()
    {
        // A local server can be restarted after a crash and shows its error log; without a server binary a container
        // (also private) or the server named by SQLHELPER_TEST_CONNECTION (shared: the caller's choice) is used.
        try
        {
            _server = await MySqlTestServer.StartAsync(new MySqlTestServerOptions { RequireLocalBinary = true, DatabaseName = "oracle" });
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("RequireLocalBinary is set", StringComparison.Ordinal))
        {
            _server = await MySqlTestServer.StartAsync(new MySqlTestServerOptions { DatabaseName = "oracle" });
        }
        _logOffset = LogLength();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    /// <summary>Runs a statement as the administrative user on its own connection.</summary>
    public async Task<long> ExecuteAdminAsync(string sql)
    {
        await using var connection = new MySqlConnection(AdminConnectionString + ";AllowUserVariables=true;Pooling=false");
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the server's version string.</summary>
    public async Task<string> ScalarVersionAsync()
    {
        await using var connection = new MySqlConnection(AdminConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        return connection.ServerVersion;
    }

    /// <summary>Returns whether the server accepts a connection and answers a ping.</summary>
    public bool IsAlive()
    {
        try
        {
            using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(AdminConnectionString) { Pooling = false, ConnectionTimeout = 5 }.ConnectionString);
            connection.Open();
            return connection.Ping();
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts a server that died again (its data directory is kept) and returns what its error log gained since the last
    /// call: the signal, and usually the query it was running.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server cannot be restarted (it is not a local one).</exception>
    public async Task<string> RestartAfterDeathAsync()
    {
        var log = NewLogText();
        if (!Server.CanRestart)
            throw new InvalidOperationException($"The oracle's server died and cannot be restarted ({Server.Describe()}). Its error log:\n{log}");
        await Server.StartAgainAsync();
        Restarts++;
        _logOffset = LogLength();
        return log;
    }

    /// <summary>Returns the error log's lines written since the server started (or was last restarted), at most the last 60.</summary>
    public string NewLogText()
    {
        if (Server.ErrorLogPath is not { } path || !File.Exists(path))
            return "(no error log: the server was not started by this process)";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(_logOffset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n');
        // From the crash report's first line ("... got signal 11 ;") when there is one: it names the signal, and the query
        // follows the stack trace.
        var crash = Array.FindLastIndex(lines, static l => l.Contains("got signal", StringComparison.Ordinal));
        var shown = crash >= 0 ? lines.Skip(crash).Take(80) : lines.TakeLast(60);
        return string.Join('\n', shown.Select(static l => l.Length > 600 ? l[..600] + " ..." : l));
    }

    private long LogLength() => Server.ErrorLogPath is { } path && File.Exists(path) ? new FileInfo(path).Length : 0;
}
