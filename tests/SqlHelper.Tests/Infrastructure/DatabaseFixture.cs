using MySqlConnector;
using SqlHelpers.Testing;

namespace SqlHelpers.Tests.Infrastructure;

/// <summary>
/// One real server for the whole test run (see <see cref="MySqlTestServer"/> for how it is found), plus helpers that
/// tests use to make tables, count server sessions and build helpers.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private MySqlTestServer? _server;

    public MySqlTestServer Server => _server ?? throw new InvalidOperationException("The test server has not started.");

    public string ConnectionString => Server.ConnectionString;

    public string AdminConnectionString => Server.AdminConnectionString;

    public async Task InitializeAsync() => _server = await MySqlTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    /// <summary>Builds a helper over the test server; <paramref name="configure"/> adjusts the options.</summary>
    public SqlHelper CreateHelper(Action<SqlHelperOptions>? configure = null)
    {
        var options = new SqlHelperOptions { ConnectionString = ConnectionString, AcquireTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        return new SqlHelper(options);
    }

    /// <summary>Creates a table with a unique name; dispose the result to drop it.</summary>
    public async Task<TempTable> CreateTableAsync(string columns = "id INT PRIMARY KEY, n INT NOT NULL DEFAULT 0, name VARCHAR(200) NULL", string engine = "InnoDB")
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAdminAsync($"CREATE TABLE {name} ({columns}) ENGINE={engine}");
        return new TempTable(this, name);
    }

    /// <summary>Runs a statement as the administrative user on its own connection.</summary>
    public async Task<long> ExecuteAdminAsync(string sql)
    {
        await using var connection = new MySqlConnection(AdminConnectionString + ";AllowUserVariables=true");
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a query on a fresh, unpooled connection of the app user (outside any helper).</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the server's version string.</summary>
    public async Task<string> ScalarVersionAsync()
    {
        await using var connection = new MySqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        return connection.ServerVersion;
    }

    /// <summary>Counts the server sessions of the test user (the admin's own session is not counted).</summary>
    public Task<long> CountUserSessionsAsync() =>
        ExecuteAdminAsync($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{Server.UserName}'");

    /// <summary>Waits until the test user's session count equals <paramref name="expected"/>, or returns the last count seen.</summary>
    public async Task<long> WaitForUserSessionsAsync(long expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        long count;
        while ((count = await CountUserSessionsAsync()) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return count;
    }

    /// <summary>Kills a server connection by id, as the administrative user.</summary>
    public Task KillAsync(long connectionId) => ExecuteAdminAsync($"KILL {connectionId}");
}
