using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;

namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// One three-node MariaDB Galera cluster for the cluster tests (starting it is the expensive part). It fails, and with it
/// every test of the collection, with a message that names what is missing when MariaDB, Galera or rsync is not installed.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private MySqlTestCluster? _cluster;

    public MySqlTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The test cluster has not started.");

    /// <summary>Gets how long the cluster took to start and sync (reported by a test, never asserted).</summary>
    public TimeSpan StartDuration { get; private set; }

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        _cluster = await MySqlTestCluster.StartAsync();
        StartDuration = watch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }

    /// <summary>Brings back a node that an earlier, failed test left stopped or isolated, and waits until all nodes are synced.</summary>
    public async Task EnsureWholeAsync()
    {
        // A majority killed at once leaves the survivors non-primary: bootstrap one of them before the others rejoin.
        var running = Cluster.Nodes.Where(static node => node.IsRunning && !node.IsIsolated).ToList();
        if (running.Count != 0 && running.Count < Cluster.Nodes.Count && !(await running[0].GetStatusAsync()).IsPrimary)
            await running[0].BootstrapAsync();
        foreach (var node in Cluster.Nodes)
        {
            if (!node.IsRunning)
                await node.RestartAsync();
            else if (node.IsIsolated)
                await node.HealAsync();
        }
        await Cluster.WaitUntilSyncedAsync();
    }

    /// <summary>Opens an unpooled connection with bounded waits (5 s to connect, 10 s per command).</summary>
    public static async Task<MySqlConnection> OpenAsync(string connectionString, string? extra = null)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString + (extra is null ? "" : ";" + extra)) { Pooling = false, ConnectionTimeout = 5, DefaultCommandTimeout = 10 };
        var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs a statement on a fresh connection and returns the first column of the first row (or null).</summary>
    public static async Task<object?> ScalarAsync(string connectionString, string sql, bool causal = false)
    {
        await using var connection = await OpenAsync(connectionString);
        if (causal)
        {
            // wsrep_sync_wait: the read waits until this node has applied everything the cluster committed before it
            await using var wait = new MySqlCommand("SET SESSION wsrep_sync_wait = 1", connection);
            await wait.ExecuteNonQueryAsync();
        }
        await using var command = new MySqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }
}
