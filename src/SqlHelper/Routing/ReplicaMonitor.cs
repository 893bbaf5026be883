using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.Routing;

/// <summary>
/// Checks each replica every few seconds (never per query) on a short-lived connection of its own: down or lagging more than
/// <see cref="SqlHelperOptions.MaxReplicaLag"/> (<c>Seconds_Behind_Master</c>, or replication stopped) makes it unavailable;
/// back in bounds makes it available again. Verdicts go to <see cref="ReplicaHealth"/>, which logs transitions.
/// </summary>
internal sealed class ReplicaMonitor : IDisposable
{
    private readonly ReplicaHealth _health;
    private readonly TimeSpan _maxLag;
    private readonly ScopeEvents _events;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private int _lagUnreadableLogged;

    public ReplicaMonitor(ReplicaHealth health, TimeSpan maxLag, TimeSpan interval, ScopeEvents events, TimeProvider time)
    {
        _health = health;
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
            (available, lag, reason) = await ReadLagAsync(connection, cancellationToken).ConfigureAwait(false);
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
