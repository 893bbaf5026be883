using System.Globalization;
using System.Text;
using MySqlConnector;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// One dedicated, unpooled connection that runs statements and reads the session's state after each, in one round trip.
/// Resetting it is <c>COM_RESET_CONNECTION</c> (MySqlConnector's <see cref="MySqlConnection.ResetConnectionAsync"/>)
/// followed by setting the sql_mode again.
/// </summary>
internal sealed class SessionOracle : IAsyncDisposable
{
    /// <summary>
    /// Session variables that change by themselves, so they are not compared: the statement's own time (a pinned
    /// timestamp is caught by <c>timestamp:running</c>), the RAND() seeds (every RAND() advances them and every reset
    /// re-seeds them at random, so no policy restores them), and the diagnostics counts (compared as the warning list).
    /// </summary>
    public static readonly string[] VolatileVariables = ["TIMESTAMP", "RAND_SEED1", "RAND_SEED2", "WARNING_COUNT", "ERROR_COUNT"];

    private readonly string _connectionString;
    private readonly string _database;
    private readonly bool _mariaDb;
    private string _snapshotSql = "";
    private List<string>? _sessionVariables;
    private bool _hasUserVariablesTable;
    private List<string> _valueNames = [];
    private MySqlConnection _connection;

    private SessionOracle(string connectionString, string database, bool mariaDb)
    {
        _connectionString = connectionString;
        _database = database;
        _mariaDb = mariaDb;
        _connection = new MySqlConnection(connectionString);
    }

    /// <summary>Gets how many times the session was reset.</summary>
    public int Resets { get; private set; }

    /// <summary>Gets or sets whether a statement, snapshot or reset found the connection closed afterwards (killed, or the server died); the caller clears it.</summary>
    public bool ConnectionLost { get; set; }

    public static async Task<SessionOracle> OpenAsync(string connectionString, string database, bool mariaDb)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, AllowUserVariables = true, DefaultCommandTimeout = 30 };
        var oracle = new SessionOracle(builder.ConnectionString, database, mariaDb);
        await oracle._connection.OpenAsync();
        await oracle.PrepareSnapshotAsync();
        return oracle;
    }

    /// <summary>Synchronously (one flow; the blocking path costs less CPU on a busy machine) runs <paramref name="sql"/> with <paramref name="parameters"/> and reads every result; returns the error, or null.</summary>
    public string? Execute(string sql, OracleParameters parameters)
    {
        try
        {
            using var command = new MySqlCommand(sql, _connection);
            command.Parameters.AddWithValue("id", parameters.Id);
            command.Parameters.AddWithValue("k", parameters.K);
            command.Parameters.AddWithValue("n", parameters.N);
            command.Parameters.AddWithValue("p", parameters.P);
            command.Parameters.AddWithValue("name", parameters.Name);
            command.Parameters.AddWithValue("big", parameters.Big);
            using var reader = command.ExecuteReader();
            while (reader.NextResult())
            {
            }
            return null;
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or ArgumentException or FormatException)
        {
            if (_connection.State != System.Data.ConnectionState.Open)
                Reopen();
            return ex.Message;
        }
    }

    /// <summary>Returns the first column of the first row of <paramref name="sql"/> as text.</summary>
    public async Task<string> ScalarTextAsync(string sql)
    {
        await using var command = new MySqlCommand(sql, _connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>Resets the session and sets <paramref name="sqlMode"/>; a broken connection is replaced.</summary>
    public async Task ResetAsync(string sqlMode)
    {
        Resets++;
        try
        {
            await _connection.ResetConnectionAsync();
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException)
        {
            Reopen();
        }
        // COM_RESET_CONNECTION keeps the current database (MySqlConnector's pool restores it on the next open).
        Execute($"USE `{_database}`; SET SESSION sql_mode = '{sqlMode}'", OracleParameters.For(0));
    }

    /// <summary>Synchronously reads the session's state, the oracle tables' data and the diagnostics area.</summary>
    public SessionSnapshot Snapshot()
    {
        var session = new Dictionary<string, string>(StringComparer.Ordinal);
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        var diagnostics = new List<string>();
        try
        {
            using var command = new MySqlCommand(_snapshotSql, _connection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                diagnostics.Add($"{reader.GetValue(0)} {reader.GetValue(1)} {reader.GetValue(2)}");
            reader.NextResult();
            reader.Read();
            var values = (reader.GetValue(0) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? "").Split('\x1e');
            for (var i = 0; i < _valueNames.Count; i++)
                session[_valueNames[i]] = i < values.Length ? values[i] : "(missing)";
            reader.NextResult();
            while (reader.Read())
            {
                var table = reader.GetString(0);
                if (OracleSchema.TemporaryTables.Any(t => table.EndsWith(t, StringComparison.Ordinal)))
                    session["temporary table:" + table] = Text(reader, 1);   // differs from the base table's while a temporary table hides it
                else
                    data["data:" + table] = Text(reader, 1);
            }
            if (_hasUserVariablesTable)
            {
                reader.NextResult();
                var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
                while (reader.Read())
                    variables[reader.GetString(0)] = Text(reader, 1);
                session["user variables table:all"] = string.Join(", ", variables.Select(static v => $"{v.Key}={v.Value}"));
            }
            if (_sessionVariables is null)
            {
                reader.NextResult();
                while (reader.Read())
                {
                    if (!VolatileVariables.Contains(reader.GetString(0), StringComparer.OrdinalIgnoreCase))
                        session["session variable:" + reader.GetString(0).ToUpperInvariant()] = Text(reader, 1);
                }
            }
            reader.NextResult();
            reader.Read();
            data["data:oracle_log"] = $"{Text(reader, 0)} rows, max id {Text(reader, 1)}";
            session["table lock:none"] = "free";   // the last read fails while LOCK TABLES holds other tables
            while (reader.NextResult())
            {
            }
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException)
        {
            session["snapshot error"] = ex.Message;
            if (_connection.State != System.Data.ConnectionState.Open)
                Reopen();
        }
        return new SessionSnapshot(session, data, diagnostics);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static string Text(MySqlDataReader reader, int i) =>
        reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "";

    /// <summary>Replaces a closed connection; when the server does not answer, the new one stays closed and every later call fails until it does.</summary>
    private void Reopen()
    {
        ConnectionLost = true;
        _connection.Dispose();
        _connection = new MySqlConnection(_connectionString);
        try
        {
            _connection.Open();
        }
        catch (MySqlException)
        {
            // the server is down: the oracle checks it, starts it again and resets this session
        }
    }

    private async Task PrepareSnapshotAsync()
    {
        if (_mariaDb)
        {
            _sessionVariables = [];
            await using var command = new MySqlCommand(
                "SELECT VARIABLE_NAME FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_SCOPE IN ('SESSION', 'SESSION ONLY') ORDER BY 1", _connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!VolatileVariables.Contains(reader.GetString(0), StringComparer.OrdinalIgnoreCase))
                    _sessionVariables.Add(reader.GetString(0));
            }
        }
        try
        {
            await using var probe = new MySqlCommand("SELECT COUNT(*) FROM information_schema.USER_VARIABLES", _connection);
            await probe.ExecuteScalarAsync();
            _hasUserVariablesTable = true;
        }
        catch (MySqlException)
        {
            _hasUserVariablesTable = false;   // MySQL, or MariaDB without the user_variables plugin: the fixed set is read instead
        }

        var db = "`" + _database + "`";
        var values = new List<(string Name, string Expression)>();
        foreach (var name in OracleSchema.UserVariables)
            values.Add(($"user variable:@{name}", $"@{name}"));
        values.Add(("transaction:in_transaction", "@@in_transaction"));
        values.Add(("last insert id:LAST_INSERT_ID()", "LAST_INSERT_ID()"));
        values.Add(("database:DATABASE()", "DATABASE()"));
        foreach (var name in OracleSchema.LockNames)
            values.Add(($"named lock:{name}", $"IS_USED_LOCK('{name}') = CONNECTION_ID()"));
        if (_mariaDb)
            values.Add(("sequence:oracle_seq", $"PREVIOUS VALUE FOR {db}.oracle_seq"));
        values.Add(("timestamp:running", "ABS(@@timestamp - UNIX_TIMESTAMP(SYSDATE(6))) < 30"));
        foreach (var name in _sessionVariables ?? [])
            values.Add(($"session variable:{name}", $"@@session.{name}"));
        _valueNames = values.ConvertAll(static v => v.Name);

        // One row, one column, so no column metadata per value. User variables may hold any character set, so they are
        // cast to binary (no collation can clash); session variables are all utf8 or numbers, and casting ~200 of them
        // would double the cost of the snapshot.
        var sql = new StringBuilder("SHOW WARNINGS;\nSELECT CONCAT_WS(0x1e");
        foreach (var (name, expression) in values)
        {
            var value = name.StartsWith("session variable:", StringComparison.Ordinal) ? expression : $"CAST({expression} AS BINARY)";
            sql.Append(CultureInfo.InvariantCulture, $", IFNULL({value}, 'NULL')");
        }
        sql.Append(");\n");
        var tables = OracleSchema.TemporaryTables.Select(t => $"{db}.{t}").Concat([$"{db}.oracle_t", $"{db}.oracle_u"]);
        sql.Append("CHECKSUM TABLE ").AppendJoin(", ", tables).Append(";\n");
        // Plain rows, sorted here: GROUP_CONCAT(... ORDER BY ...) over this table crashed MariaDB 10.11.19 now and then
        // (signal 11 in ha_maria::drop_table, from the failure path of the temporary table GROUP_CONCAT sets up; see
        // docs/session-reset.md), taking the oracle's server down in the middle of a run.
        if (_hasUserVariablesTable)
            sql.Append("SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.USER_VARIABLES;\n");
        if (_sessionVariables is null)
            sql.Append("SHOW SESSION VARIABLES;\n");
        // Last: fails while LOCK TABLES holds other tables, and (using a table) clears the diagnostics area for the next statement.
        sql.Append(CultureInfo.InvariantCulture, $"SELECT COUNT(*), MAX(id) FROM {db}.oracle_log");
        _snapshotSql = sql.ToString();
    }
}
