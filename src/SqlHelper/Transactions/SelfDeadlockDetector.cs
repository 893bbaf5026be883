using MySqlConnector;
using SqlHelpers.Diagnostics;

namespace SqlHelpers.Transactions;

/// <summary>
/// Finds out, from the server's lock-wait tables, whether a waiting statement is blocked by a connection of its own
/// flow's enclosing scopes. It reads them on a short-lived connection of its own (never one from the helper's pool, which
/// may be exhausted). Reading other sessions' lock waits needs the PROCESS privilege (MariaDB) or access to
/// performance_schema (MySQL 8); without it detection turns itself off, says so once in the log, and the server's own
/// <c>innodb_lock_wait_timeout</c> applies.
/// </summary>
internal sealed class SelfDeadlockDetector(string connectionString, TimeSpan delay, ScopeEvents events)
{
    private const string MariaDbQuery = """
        SELECT b.trx_mysql_thread_id
        FROM information_schema.INNODB_LOCK_WAITS w
        JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
        JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
        WHERE r.trx_mysql_thread_id = @waiting
        """;

    private const string MySqlQuery = """
        SELECT b.trx_mysql_thread_id
        FROM performance_schema.data_lock_waits w
        JOIN information_schema.INNODB_TRX r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID
        JOIN information_schema.INNODB_TRX b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID
        WHERE r.trx_mysql_thread_id = @waiting
        """;

    private readonly string _connectionString = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5 }.ConnectionString;
    private int _disabled;

    /// <summary>Gets how long a statement may wait before its lock waits are looked at.</summary>
    public TimeSpan Delay { get; } = delay;

    /// <summary>Gets whether detection is on (not turned off by options or for lack of privilege).</summary>
    public bool IsEnabled => Delay != Timeout.InfiniteTimeSpan && Volatile.Read(ref _disabled) == 0;

    /// <summary>Returns the id of the connection blocking <paramref name="waitingConnectionId"/>, among <paramref name="candidates"/>, or <c>null</c>.</summary>
    public LockHolder? FindBlockingHolder(int waitingConnectionId, IReadOnlyList<LockHolder> candidates)
    {
        if (!IsEnabled)
            return null;
        try
        {
            using var connection = new MySqlConnection(_connectionString);
            connection.Open();
            var isMariaDb = connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
            using var command = new MySqlCommand(isMariaDb ? MariaDbQuery : MySqlQuery, connection);
            command.Parameters.AddWithValue("@waiting", waitingConnectionId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var blocking = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                foreach (var candidate in candidates)
                {
                    if (candidate.ConnectionId == blocking)
                        return candidate;
                }
            }
            return null;
        }
        catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.SpecifiedAccessDeniedError or MySqlErrorCode.TableAccessDenied
            or MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.AccessDenied or MySqlErrorCode.NoSuchTable or MySqlErrorCode.UnknownTable)
        {
            if (Interlocked.Exchange(ref _disabled, 1) == 0)
                events.SelfDeadlockDetectionOff(ex.Message);
            return null;
        }
        catch (MySqlException ex)
        {
            events.SelfDeadlockCheckFailed(ex);
            return null;
        }
    }

    /// <summary>Interrupts the statement running on <paramref name="connectionId"/> (the user may always kill its own).</summary>
    public void KillQuery(int connectionId)
    {
        using var connection = new MySqlConnection(_connectionString);
        connection.Open();
        using var command = new MySqlCommand($"KILL QUERY {connectionId}", connection);
        command.ExecuteNonQuery();
    }
}
