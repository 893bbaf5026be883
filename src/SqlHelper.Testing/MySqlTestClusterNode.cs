using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing.Galera;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing;

/// <summary>
/// One node of a <see cref="MySqlTestCluster"/>: a private <c>mariadbd</c> with Galera on its own loopback address, which a
/// test can stop, kill, restart, isolate from the others and heal.
/// </summary>
public sealed class MySqlTestClusterNode
{
    private const string StatusQuery =
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_local_state', 'wsrep_local_state_comment', 'wsrep_ready')";

    private readonly MySqlTestCluster _cluster;
    private readonly LocalServerProcess _process;
    private readonly string _statusConnectionString;
    private volatile bool _wanted = true;
    private volatile bool _isolated;

    internal MySqlTestClusterNode(MySqlTestCluster cluster, int number, LocalServerProcess process, int galeraPort, string connectionString, string adminConnectionString)
    {
        _cluster = cluster;
        _process = process;
        Number = number;
        GaleraPort = galeraPort;
        ConnectionString = connectionString;
        AdminConnectionString = adminConnectionString;
        _statusConnectionString = new MySqlConnectionStringBuilder(process.RootConnectionString) { ConnectionTimeout = 3, DefaultCommandTimeout = 5 }.ConnectionString;
    }

    /// <summary>Gets the node's number, from 1 (<see cref="MySqlTestCluster.Nodes"/>[0]) to the node count.</summary>
    public int Number { get; }

    /// <summary>Gets the node's name: <c>node</c><i>n</i>, which is also its <c>wsrep_node_name</c>.</summary>
    public string Name => "node" + Number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Gets the loopback address the node serves SQL on: <c>127.0.0.</c><i>n</i>.</summary>
    public string Host => _process.BindAddress;

    /// <summary>Gets the node's SQL port, the same on every node (<see cref="MySqlTestCluster.Port"/>).</summary>
    public int Port => _process.Port;

    /// <summary>Gets the node's Galera group communication port on 127.0.0.1 (incremental state transfer uses the next port, rsync state transfer the one after).</summary>
    public int GaleraPort { get; }

    /// <summary>Gets the application user's connection string to this node only.</summary>
    /// <remarks>The user has ALL privileges on <see cref="MySqlTestCluster.Database"/> only: no PROCESS, no SUPER.</remarks>
    public string ConnectionString { get; }

    /// <summary>Gets a connection string to this node only with every privilege.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Gets the node's data directory.</summary>
    public string DataDirectory => Path.Combine(_process.Directory, "data");

    /// <summary>Gets the node's error log, where Galera writes what it does (views, state transfers, evictions).</summary>
    public string ErrorLogPath => _process.ErrorLogPath;

    /// <summary>Gets whether the node's process runs.</summary>
    public bool IsRunning => _process.IsRunning;

    /// <summary>Gets whether the node runs and has been isolated by <see cref="IsolateAsync"/> and not healed since.</summary>
    public bool IsIsolated => _isolated && IsRunning;

    /// <summary>Gets whether the node should be running: started, and neither stopped nor killed since.</summary>
    internal bool IsWanted => _wanted;

    /// <summary>Gets what the node says about itself and its cluster now.</summary>
    /// <returns>The node's status.</returns>
    /// <exception cref="MySqlException">The node does not answer (it is stopped or killed).</exception>
    public MySqlTestClusterNodeStatus GetStatus() => GetStatusAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously gets what the node says about itself and its cluster now.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The node's status.</returns>
    /// <exception cref="MySqlException">The node does not answer (it is stopped or killed).</exception>
    public async Task<MySqlTestClusterNodeStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);
        await using (var connection = new MySqlConnection(_statusConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand(StatusQuery, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                values[reader.GetString(0)] = reader.GetString(1);
        }
        string Value(string name) => values.TryGetValue(name, out var value) ? value : "";
        static int Number(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;
        return new MySqlTestClusterNodeStatus(Number(Value("wsrep_cluster_size")), Value("wsrep_cluster_status"), Number(Value("wsrep_local_state")),
            Value("wsrep_local_state_comment"), string.Equals(Value("wsrep_ready"), "ON", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Stops the node gracefully (SHUTDOWN): it leaves the cluster at once, which shrinks without waiting for a timeout.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously stops the node gracefully (SHUTDOWN): it leaves the cluster at once, which shrinks without waiting for a timeout.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the process has exited (the data directory stays for <see cref="RestartAsync"/>).</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _wanted = false;
        _isolated = false;
        await _process.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills the node's process outright, as <c>kill -9</c> does.</summary>
    /// <remarks>The others notice in about 2 s (until then, commits on them wait); <see cref="MySqlTestCluster.WaitUntilSyncedAsync"/> waits for that.</remarks>
    public void Kill() => KillAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously kills the node's process outright, as <c>kill -9</c> does.</summary>
    /// <remarks>The others notice in about 2 s (until then, commits on them wait); <see cref="MySqlTestCluster.WaitUntilSyncedAsync"/> waits for that.</remarks>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the process has exited (the data directory stays for <see cref="RestartAsync"/>).</returns>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        _wanted = false;
        _isolated = false;
        await _process.KillAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the node again (stopping it first if it runs) and waits until the whole cluster is synced with it.</summary>
    /// <exception cref="InvalidOperationException">The node exited while starting; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The node did not start, or the cluster did not sync, within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public void Restart() => RestartAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Asynchronously starts the node again (stopping it first if it runs) and waits until the whole cluster is synced with
    /// it. After a kill it first recovers the node's last position with <c>mariadbd --wsrep-recover</c>, as MariaDB's systemd
    /// unit does, so the node catches up by incremental state transfer (IST) in about a second instead of a full copy. When
    /// no other node runs, the node bootstraps a new primary component from its own data.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when every running node is synced, this one included.</returns>
    /// <exception cref="InvalidOperationException">The node exited while starting; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The node did not start, or the cluster did not sync, within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
            await StopAsync(cancellationToken).ConfigureAwait(false);
        List<string> extra = [];
        if (GaleraState.ReadSeqno(DataDirectory) == -1 && await RecoverPositionAsync(cancellationToken).ConfigureAwait(false) is { } position)
            extra.Add("--wsrep-start-position=" + position);
        if (!_cluster.Nodes.Any(node => node != this && node.IsRunning))
        {
            GaleraState.PrepareBootstrap(DataDirectory);
            extra.Add("--wsrep-new-cluster");
        }
        _wanted = true;
        _isolated = false;
        await _process.StartAsync(extra, cancellationToken).ConfigureAwait(false);
        await _cluster.WaitUntilSyncedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cuts the node off from the others (Galera's <c>gmcast.isolate=1</c>) and waits until it is out of the primary component and the others are synced without it.</summary>
    /// <remarks>The isolated node runs and answers, but refuses queries on tables with error 1047 (<c>WSREP has not yet prepared node for application use</c>).</remarks>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The isolation did not take effect within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public void Isolate() => IsolateAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously cuts the node off from the others (Galera's <c>gmcast.isolate=1</c>) and waits until it is out of the primary component and the others are synced without it.</summary>
    /// <remarks>The isolated node runs and answers, but refuses queries on tables with error 1047 (<c>WSREP has not yet prepared node for application use</c>).</remarks>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the node reports non-Primary and the others are synced without it.</returns>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The isolation did not take effect within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public async Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotRunning(nameof(IsolateAsync));
        await SetProviderOptionAsync("gmcast.isolate=1", cancellationToken).ConfigureAwait(false);
        _isolated = true;
        await WaitForStatusAsync(status => !status.IsPrimary, "leave the primary component", cancellationToken).ConfigureAwait(false);
        await _cluster.WaitUntilSyncedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends an isolation (<c>gmcast.isolate=0</c>) and waits until the whole cluster is synced with the node again.</summary>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The cluster did not sync within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public void Heal() => HealAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously ends an isolation (<c>gmcast.isolate=0</c>) and waits until the whole cluster is synced with the node again.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when every running node is synced, this one included.</returns>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The cluster did not sync within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public async Task HealAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotRunning(nameof(HealAsync));
        await SetProviderOptionAsync("gmcast.isolate=0", cancellationToken).ConfigureAwait(false);
        _isolated = false;
        await _cluster.WaitUntilSyncedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the node's component the primary one (Galera's <c>pc.bootstrap=YES</c>) and waits until it is synced: the
    /// documented way back when a majority of the nodes was lost at once (killed, not stopped) and the survivors are left
    /// non-primary, refusing queries.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The node did not become primary and synced within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public void Bootstrap() => BootstrapAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronously makes the node's component the primary one (<c>pc.bootstrap=YES</c>) and waits until it is synced; see <see cref="Bootstrap"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the node is primary and synced.</returns>
    /// <exception cref="InvalidOperationException">The node is not running.</exception>
    /// <exception cref="TimeoutException">The node did not become primary and synced within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</exception>
    public async Task BootstrapAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotRunning(nameof(BootstrapAsync));
        await SetProviderOptionAsync("pc.bootstrap=YES", cancellationToken).ConfigureAwait(false);
        await WaitForStatusAsync(static status => status.IsSynced, "become primary and synced", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Describes the node in one line; never a password.</summary>
    /// <returns>For example <c>node2 on 127.0.0.2:31000 (Galera 127.0.0.1:31004, data dir /tmp/sqlhelper-mysqld-…, running)</c>.</returns>
    public string Describe() =>
        $"{Name} on {Host}:{Port.ToString(CultureInfo.InvariantCulture)} (Galera 127.0.0.1:{GaleraPort.ToString(CultureInfo.InvariantCulture)}, data dir {_process.Directory}, " +
        $"{(IsIsolated ? "isolated" : IsRunning ? "running" : "not running")})";

    /// <summary>Describes the node in one line; never a password.</summary>
    /// <returns>The same as <see cref="Describe"/>.</returns>
    public override string ToString() => Describe();

    /// <summary>Gets the end of the node's error log, for exception messages.</summary>
    internal string DescribeErrorLog() => _process.DescribeErrorLog();

    /// <summary>Waits until the node's status satisfies <paramref name="condition"/>, within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</summary>
    /// <param name="condition">What the status must show, for example <c>status =&gt; status.IsSynced</c>.</param>
    /// <param name="what">What the node is waited for to do, for a timeout's message: "become synced".</param>
    /// <exception cref="TimeoutException">The status did not satisfy the condition in time; the message gives the last status and the node's error log.</exception>
    public void WaitForStatus(Func<MySqlTestClusterNodeStatus, bool> condition, string what) => WaitForStatusAsync(condition, what).GetAwaiter().GetResult();

    /// <summary>Asynchronously waits until the node's status satisfies <paramref name="condition"/>, within <see cref="MySqlTestClusterOptions.OperationTimeout"/>.</summary>
    /// <param name="condition">What the status must show, for example <c>status =&gt; status.IsSynced</c>.</param>
    /// <param name="what">What the node is waited for to do, for a timeout's message: "become synced".</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    /// <exception cref="TimeoutException">The status did not satisfy the condition in time; the message gives the last status and the node's error log.</exception>
    public async Task WaitForStatusAsync(Func<MySqlTestClusterNodeStatus, bool> condition, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var timeout = _cluster.OperationTimeout;
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer yet";
        while (true)
        {
            try
            {
                var status = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
                if (condition(status))
                    return;
                last = status.ToString();
            }
            catch (MySqlException ex)
            {
                last = "no answer: " + ex.Message;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Waited {timeout.TotalSeconds:0.#} s for {Name} ({Host}:{Port}) to {what}, in vain; its last status: {last}. {DescribeErrorLog()}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SetProviderOptionAsync(string option, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(AdminConnectionString) { Pooling = false, ConnectionTimeout = 5, DefaultCommandTimeout = 10 };
        await ServerQuery.ExecuteAsync(builder.ConnectionString, [$"SET GLOBAL wsrep_provider_options = '{option}'"], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <c>mariadbd --wsrep-recover</c> on the stopped node and returns the position it recovered, or <c>null</c>.</summary>
    private async Task<string?> RecoverPositionAsync(CancellationToken cancellationToken)
    {
        var log = Path.Combine(_process.Directory, "wsrep-recover.log");
        File.Delete(log);
        var (exitCode, output) = await _process.RunToCompletionAsync(["--wsrep-recover", "--log-error=" + log], _cluster.OperationTimeout, cancellationToken).ConfigureAwait(false);
        var text = File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken).ConfigureAwait(false) : output;
        File.Delete(log);
        if (exitCode != 0)
            throw new InvalidOperationException($"mariadbd --wsrep-recover failed on {Name} with exit code {exitCode}. Its log ends with:\n{string.Join('\n', text.Split('\n').TakeLast(20))}");
        return GaleraState.ParseRecoveredPosition(text);
    }

    private void ThrowIfNotRunning(string method)
    {
        if (!IsRunning)
            throw new InvalidOperationException($"{method} needs a running node, but {Name} is not running. Call RestartAsync first.");
    }
}
