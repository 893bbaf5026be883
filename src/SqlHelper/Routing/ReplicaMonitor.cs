using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.Routing;

/// <summary>
/// Checks each replica every few seconds (never per query) on a short-lived connection of its own: down or lagging more than
/// <see cref="SqlHelperOptions.MaxReplicaLag"/> (<c>Seconds_Behind_Master</c>, or replication stopped) makes it unavailable;
/// back in bounds makes it available again. For cluster nodes it reads the node's Galera state instead: available only
/// when <c>wsrep_ready</c> is ON, <c>wsrep_local_state</c> is 4 (Synced), <c>wsrep_cluster_status</c> is Primary and
/// <c>wsrep_desync</c> is OFF. Verdicts go to <see cref="ReplicaHealth"/>, which logs transitions.
/// </summary>
internal sealed class ReplicaMonitor : IDisposable
{
    private readonly ReplicaHealth _health;
    private readonly TimeSpan _maxLag;
    private readonly bool _clusterNodes;
    private readonly ScopeEvents _events;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private int _lagUnreadableLogged;

    public ReplicaMonitor(ReplicaHealth health, TimeSpan maxLag, TimeSpan interval, ScopeEvents events, TimeProvider time, bool clusterNodes = false)
    {
        _health = health;
        _clusterNodes = clusterNodes;
        _maxLag = maxLag;
        _events = events;
        _timer = time.CreateTimer(static state => _ = ((ReplicaMonitor) state!).CheckAllAsync(CancellationToken.None), this, TimeSpan.Zero, interval);
    }

    public async Task CheckAllAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_health.Replicas.Select((r, i) => CheckAsync(i, r, cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            _checking.Release();
        }
    }

    public void Dispose() => _timer.Dispose();

    private async Task CheckAsync(int index, ScopePool replica, CancellationToken cancellationToken)
    {
        bool available;
        TimeSpan? lag = null;
        string? reason = null;
        try
        {
            var builder = new MySqlConnectionStringBuilder(replica.Source.ConnectionString) { Pooling = false, ConnectionTimeout = 3 };
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            (available, lag, reason) = _clusterNodes
                ? await ReadNodeStateAsync(connection, cancellationToken).ConfigureAwait(false)
                : await ReadLagAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException ex)
        {
            available = false;
            reason = "unreachable: " + SecretRedactor.Redact(ex.Message, replica.Source.ConnectionString);
        }
        _health.Record(index, available, lag, reason);
    }

    private async Task<(bool Available, TimeSpan? Lag, string? Reason)> ReadLagAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        // SHOW REPLICA STATUS: MySQL 8.0.22+ (8.4 dropped SHOW SLAVE STATUS) and MariaDB 10.5.1+; older servers know only the SLAVE form.
        foreach (var statement in new[] { "SHOW REPLICA STATUS", "SHOW SLAVE STATUS" })
        {
            try
            {
                await using var command = new MySqlCommand(statement, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    return (true, null, null);   // not a replica (a primary or a cluster node named as one): reachable is enough
                var ordinal = LagOrdinal(reader);
                if (ordinal < 0)
                    return (true, null, null);
                if (reader.IsDBNull(ordinal))
                    return (false, null, "replication is not running (the replica reports no lag: Seconds_Behind_Master is NULL)");
                var lag = TimeSpan.FromSeconds(Convert.ToDouble(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture));
                return lag > _maxLag ? (false, lag, $"lagging {lag.TotalSeconds:0} s behind the primary (MaxReplicaLag is {_maxLag.TotalSeconds:0} s)") : (true, lag, null);
            }
            catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.ParseError)
            {
                // try the older spelling
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.SpecifiedAccessDeniedError or MySqlErrorCode.AccessDenied)
            {
                if (Interlocked.Exchange(ref _lagUnreadableLogged, 1) == 0)
                    _events.ReplicaLagUnreadable(ex.Message);
                return (true, null, null);
            }
        }
        return (true, null, null);
    }

    private static async Task<(bool Available, TimeSpan? Lag, string? Reason)> ReadNodeStateAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        // Status variables need no privilege; wsrep_desync is a system variable (a donor or a node under maintenance sets it).
        const string sql = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state', 'wsrep_local_state_comment', 'wsrep_cluster_status')";
        var status = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using (var command = new MySqlCommand(sql, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                status[reader.GetString(0)] = reader.GetString(1);
        }
        if (!status.TryGetValue("wsrep_local_state", out var state))
            return (false, null, "not a Galera node (it reports no wsrep_local_state)");
        if (status.GetValueOrDefault("wsrep_cluster_status") is var clusterStatus && clusterStatus != "Primary")
            return (false, null, $"not in the primary component (wsrep_cluster_status is {clusterStatus})");
        if (state != "4")
            return (false, null, $"not synced (wsrep_local_state is {state}: {status.GetValueOrDefault("wsrep_local_state_comment")})");
        if (!string.Equals(status.GetValueOrDefault("wsrep_ready"), "ON", StringComparison.OrdinalIgnoreCase))
            return (false, null, "not ready (wsrep_ready is OFF)");
        await using (var command = new MySqlCommand("SELECT @@wsrep_desync", connection))
        {
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0)
                return (false, null, "desynced (wsrep_desync is ON)");
        }
        return (true, null, null);
    }

    private static int LagOrdinal(MySqlDataReader reader)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.GetName(i) is "Seconds_Behind_Master" or "Seconds_Behind_Source")
                return i;
        }
        return -1;
    }
}
