using MySqlConnector;
using SqlHelpers.Testing.Backends;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing;

/// <summary>
/// A real primary and replica for tests: two private local servers on loopback ports, the replica fed by binary-log
/// replication from the primary's first event (so it has the same database and users) and started read-only.
/// Needs a local <c>mariadbd</c>/<c>mysqld</c>; with only Docker or an external server it throws <see cref="NotSupportedException"/>.
/// </summary>
public sealed class MySqlReplicationPair : IAsyncDisposable
{
    private MySqlReplicationPair(MySqlTestServer primary, MySqlTestServer replica)
    {
        Primary = primary;
        Replica = replica;
    }

    /// <summary>Gets the primary (server_id 1, binary log on).</summary>
    public MySqlTestServer Primary { get; }

    /// <summary>Gets the replica (server_id 2, read-only, replicating from <see cref="Primary"/>).</summary>
    public MySqlTestServer Replica { get; }

    /// <summary>Starts a primary and a replica and waits until the replica has caught up.</summary>
    /// <param name="options">Options for both servers (database, user, password); <c>null</c> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The running pair; dispose it to stop and delete both.</returns>
    /// <exception cref="NotSupportedException">No local server binary is installed.</exception>
    public static async Task<MySqlReplicationPair> StartAsync(MySqlTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MySqlTestServerOptions();
        var binary = await ServerBinary.FindAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new NotSupportedException("A replication pair needs a local mariadbd or mysqld (apt-get install -y mariadb-server).");
        var primary = new MySqlTestServer(await LocalBinaryServer.StartAsync(binary, Copy(options, serverId: 1, binaryLog: true, extra: []), cancellationToken).ConfigureAwait(false));
        LocalServerProcess? replicaProcess = null;
        try
        {
            // The application user may read replication status (SqlHelper checks replica lag with it); on MariaDB 10.5+
            // that is SLAVE MONITOR, elsewhere REPLICATION CLIENT. Granted on the primary, it replicates.
            var user = SqlText.AnyHostAccount(options.UserName);
            try
            {
                await ExecuteAsync(primary.AdminConnectionString, cancellationToken, $"GRANT SLAVE MONITOR ON *.* TO {user}").ConfigureAwait(false);
            }
            catch (MySqlException)
            {
                await ExecuteAsync(primary.AdminConnectionString, cancellationToken, $"GRANT REPLICATION CLIENT ON *.* TO {user}").ConfigureAwait(false);
            }

            replicaProcess = await LocalServerProcess.StartNewAsync(binary, Copy(options, serverId: 2, binaryLog: false, extra: ["--read-only", "--relay-log=relay"]), cancellationToken).ConfigureAwait(false);
            var admin = new MySqlConnectionStringBuilder(primary.AdminConnectionString);
            await ExecuteAsync(replicaProcess.RootConnectionString, cancellationToken,
                $"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.Port}, MASTER_USER={SqlText.Literal(admin.UserID)}, MASTER_PASSWORD={SqlText.Literal(admin.Password)}, " +
                "MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=4",
                "START SLAVE").ConfigureAwait(false);

            var app = new MySqlConnectionStringBuilder(primary.ConnectionString) { Port = (uint) replicaProcess.Port };
            var replicaAdmin = new MySqlConnectionStringBuilder(primary.AdminConnectionString) { Port = (uint) replicaProcess.Port };
            await WaitUntilReachableAsync(replicaAdmin.ConnectionString, options.StartTimeout, cancellationToken).ConfigureAwait(false);   // the admin user is created last on the primary
            var replica = new MySqlTestServer(LocalBinaryServer.Wrap(replicaProcess, app.ConnectionString, replicaAdmin.ConnectionString));
            return new MySqlReplicationPair(primary, replica);
        }
        catch
        {
            if (replicaProcess is not null)
                await replicaProcess.DisposeAsync().ConfigureAwait(false);
            await primary.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the replica's SQL thread: it keeps receiving events but applies none, so it falls behind.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the thread has stopped.</returns>
    public Task StopReplicaSqlThreadAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(Replica.AdminConnectionString, cancellationToken, "STOP SLAVE SQL_THREAD");

    /// <summary>Starts the replica's SQL thread again.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the thread has started.</returns>
    public Task StartReplicaSqlThreadAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(Replica.AdminConnectionString, cancellationToken, "START SLAVE SQL_THREAD");

    /// <summary>Waits until the replica has applied everything the primary has written so far.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the replica has caught up.</returns>
    /// <exception cref="TimeoutException">The replica did not catch up in time.</exception>
    public async Task WaitForReplicaAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string gtid;
        await using (var primary = new MySqlConnection(Primary.AdminConnectionString))
        {
            await primary.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT @@gtid_binlog_pos", primary);
            gtid = (string) (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await using var replica = new MySqlConnection(Replica.AdminConnectionString);
        await replica.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var wait = new MySqlCommand($"SELECT MASTER_GTID_WAIT('{gtid}', {timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})", replica);
        wait.CommandTimeout = (int) timeout.TotalSeconds + 5;
        if (Convert.ToInt32(await wait.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0)
            throw new TimeoutException($"The replica did not reach the primary's position {gtid} within {timeout.TotalSeconds:0} s.");
    }

    /// <summary>Stops and deletes both servers.</summary>
    /// <returns>A task that completes when both are gone.</returns>
    public async ValueTask DisposeAsync()
    {
        await Replica.DisposeAsync().ConfigureAwait(false);
        await Primary.DisposeAsync().ConfigureAwait(false);
    }

    private static MySqlTestServerOptions Copy(MySqlTestServerOptions options, int serverId, bool binaryLog, string[] extra) => new()
    {
        DatabaseName = options.DatabaseName,
        UserName = options.UserName,
        Password = options.Password,
        ServerId = serverId,
        EnableBinaryLog = binaryLog,
        ExtraServerArguments = [.. options.ExtraServerArguments, .. extra],
        StartTimeout = options.StartTimeout,
        RequireLocalBinary = true,
    };

    private static async Task ExecuteAsync(string connectionString, CancellationToken cancellationToken, params string[] statements)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var statement in statements)
        {
            await using var command = new MySqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitUntilReachableAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MySqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
