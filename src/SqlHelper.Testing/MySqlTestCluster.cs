using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing.Backends;
using SqlHelpers.Testing.Galera;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing;

/// <summary>
/// A real MariaDB Galera cluster for tests: N (default 3) private local <c>mariadbd</c> nodes, node <i>n</i> serving SQL
/// on 127.0.0.<i>n</i> and one port shared by all, all synced (<c>wsrep_cluster_size = N</c>, every node <c>Synced</c>
/// and <c>Primary</c>), with the test database and users. Nodes can be stopped, killed, restarted, isolated and healed.
/// Everything is deleted on dispose, and by an exit handler and a watchdog when the test process dies.
/// Needs a local MariaDB with the Galera 4 provider and rsync (<c>apt-get install -y mariadb-server galera-4 rsync</c>);
/// without them, <see cref="StartAsync"/> fails with a message that says what is missing.
/// </summary>
public sealed class MySqlTestCluster : IAsyncDisposable, IDisposable
{
    /// <summary>The number of nodes started when <see cref="MySqlTestClusterOptions.NodeCount"/> is not set.</summary>
    public const int DefaultNodeCount = 3;

    /// <summary>The largest number of nodes: one loopback address each, 127.0.0.1 to 127.0.0.9.</summary>
    public const int MaxNodeCount = 9;

    private const int MaxPortAttempts = 3;
    private readonly IReadOnlyList<LocalServerProcess> _processes;
    private int _disposed;

    private MySqlTestCluster(ClusterLayout layout, IReadOnlyList<LocalServerProcess> processes, MySqlTestClusterOptions options, string adminPassword)
    {
        _processes = processes;
        ClusterName = layout.ClusterName;
        Port = layout.SqlPort;
        Database = options.DatabaseName;
        UserName = options.UserName;
        Password = options.Password;
        OperationTimeout = options.OperationTimeout;
        MySqlConnectionStringBuilder App(string hosts) => new()
        {
            Server = hosts,
            Port = (uint) layout.SqlPort,
            Database = options.DatabaseName,
            UserID = options.UserName,
            Password = options.Password,
        };
        MySqlConnectionStringBuilder Admin(string hosts) => new(App(hosts).ConnectionString) { UserID = LocalBinaryServer.AdminUserName, Password = adminPassword };
        var allHosts = string.Join(',', layout.Hosts);
        ConnectionString = App(allHosts).ConnectionString;
        AdminConnectionString = Admin(allHosts).ConnectionString;
        Nodes = [.. processes.Select((process, i) => new MySqlTestClusterNode(this, i + 1, process, layout.BasePorts[i],
            App(layout.Hosts[i]).ConnectionString, Admin(layout.Hosts[i]).ConnectionString))];
    }

    /// <summary>Gets the nodes: <c>Nodes[0]</c> is node 1 on 127.0.0.1, <c>Nodes[1]</c> node 2 on 127.0.0.2, and so on.</summary>
    public IReadOnlyList<MySqlTestClusterNode> Nodes { get; }

    /// <summary>
    /// Gets the application user's connection string naming every node (<c>Server=127.0.0.1,127.0.0.2,127.0.0.3</c>), with
    /// MySqlConnector's default multi-host behaviour: new connections go to the hosts in turn, skipping one that does not answer.
    /// Add <c>LoadBalance=FailOver</c> to always use the first node that answers.
    /// </summary>
    /// <remarks>The user has ALL privileges on <see cref="Database"/> only: no PROCESS, no SUPER.</remarks>
    public string ConnectionString { get; }

    /// <summary>Gets a connection string naming every node with every privilege.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Gets the cluster's name (<c>wsrep_cluster_name</c>), unique per cluster.</summary>
    public string ClusterName { get; }

    /// <summary>Gets the SQL port, the same on every node's address.</summary>
    public int Port { get; }

    /// <summary>Gets the test database.</summary>
    public string Database { get; }

    /// <summary>Gets the application user.</summary>
    public string UserName { get; }

    /// <summary>Gets the application user's password.</summary>
    public string Password { get; }

    /// <summary>Gets the nodes' version, as <c>SELECT VERSION()</c> returns it (e.g. <c>10.11.19-MariaDB-0+deb12u1</c>).</summary>
    public string Version => _processes[0].Version;

    /// <summary>Gets how long a node operation or a wait may take (<see cref="MySqlTestClusterOptions.OperationTimeout"/>).</summary>
    internal TimeSpan OperationTimeout { get; }

    /// <summary>Starts a cluster and waits until it is synced; see <see cref="StartAsync"/>.</summary>
    /// <param name="options">The options; <c>null</c> for the defaults.</param>
    /// <returns>The running, synced cluster; dispose it to stop and delete every node.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a node count out of range, an empty name or a non-positive timeout.</exception>
    /// <exception cref="InvalidOperationException">MariaDB, Galera or rsync is missing (the message says what and how to install it), or a node exited while starting (the message ends with its error log).</exception>
    /// <exception cref="TimeoutException">The cluster did not form and sync within <see cref="MySqlTestClusterOptions.StartTimeout"/>.</exception>
    public static MySqlTestCluster Start(MySqlTestClusterOptions? options = null) => StartAsync(options).GetAwaiter().GetResult();

    /// <summary>
    /// Asynchronously starts a cluster: every node from a copy of one Galera data directory, all at once, so that they form
    /// their primary component together without a state transfer (a few seconds; the first cluster of a process also makes
    /// that data directory); then waits until <c>wsrep_cluster_size</c> is the node count and every node is synced, and
    /// creates the test database and users, which replicate to every node.
    /// </summary>
    /// <param name="options">The options; <c>null</c> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The running, synced cluster; dispose it to stop and delete every node.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a node count out of range, an empty name or a non-positive timeout.</exception>
    /// <exception cref="InvalidOperationException">MariaDB, Galera or rsync is missing (the message says what and how to install it), or a node exited while starting (the message ends with its error log).</exception>
    /// <exception cref="TimeoutException">The cluster did not form and sync within <see cref="MySqlTestClusterOptions.StartTimeout"/>.</exception>
    public static async Task<MySqlTestCluster> StartAsync(MySqlTestClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MySqlTestClusterOptions();
        Validate(options);
        // TODO(#15): a container backend (three mariadb:10.11 containers on a Docker network, as in the "cluster" profile of
        // docker-compose.yml) for machines with a Docker engine and no local MariaDB; until then a cluster is always local.
        var environment = await GaleraEnvironment.FindAsync(options.ProviderPath, cancellationToken).ConfigureAwait(false);
        var templates = await GaleraDataTemplate.GetAsync(environment, options.StartTimeout, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var layout = ClusterLayout.Pick(options.NodeCount);
            var processes = await GaleraNodeFactory.PrepareAllAsync(environment, templates, layout, options, cancellationToken).ConfigureAwait(false);
            try
            {
                await GaleraNodeFactory.StartAllAsync(processes, cancellationToken).ConfigureAwait(false);
                var adminPassword = "Adm1n-" + Guid.NewGuid().ToString("N")[..16];
                var cluster = new MySqlTestCluster(layout, processes, options, adminPassword);
                await cluster.WaitForSyncAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
                await cluster.CreateUsersAsync(processes[0], adminPassword, options.StartTimeout, cancellationToken).ConfigureAwait(false);
                return cluster;
            }
            catch
            {
                // Another process may have taken a port between the layout's check and a node's bind: then try other ports.
                var lostPortRace = !cancellationToken.IsCancellationRequested && processes.Any(process => process.LostPortRace());
                await Task.WhenAll(processes.Select(process => process.DisposeAsync().AsTask())).ConfigureAwait(false);
                if (!lostPortRace || attempt == MaxPortAttempts)
                    throw;
            }
        }
    }

    /// <summary>Waits until every running node that is not isolated is synced, and their <c>wsrep_cluster_size</c> is their number.</summary>
    /// <exception cref="InvalidOperationException">A node that should run has exited; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The cluster did not sync within <see cref="MySqlTestClusterOptions.OperationTimeout"/>; the message gives each node's last status.</exception>
    public void WaitUntilSynced() => WaitUntilSyncedAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Asynchronously waits until every running node that is not isolated is synced, and their <c>wsrep_cluster_size</c>
    /// is their number: after <see cref="MySqlTestClusterNode.KillAsync"/>, until the others have evicted the killed node.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the cluster is synced.</returns>
    /// <exception cref="InvalidOperationException">A node that should run has exited; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The cluster did not sync within <see cref="MySqlTestClusterOptions.OperationTimeout"/>; the message gives each node's last status.</exception>
    public Task WaitUntilSyncedAsync(CancellationToken cancellationToken = default) => WaitForSyncAsync(OperationTimeout, cancellationToken);

    /// <summary>Describes the cluster in one line; never a password.</summary>
    /// <returns>For example <c>MariaDB Galera cluster sqlhelper-1a2b3c4d of 3 nodes (10.11.19-MariaDB-0+deb12u1) on 127.0.0.1,127.0.0.2,127.0.0.3 port 31000: node1 running, node2 not running, node3 isolated</c>.</returns>
    public string Describe() =>
        $"MariaDB Galera cluster {ClusterName} of {Nodes.Count.ToString(CultureInfo.InvariantCulture)} nodes ({Version}) on {string.Join(',', Nodes.Select(node => node.Host))} " +
        $"port {Port.ToString(CultureInfo.InvariantCulture)}: " +
        string.Join(", ", Nodes.Select(node => $"{node.Name} {(node.IsIsolated ? "isolated" : node.IsRunning ? "running" : "not running")}"));

    /// <summary>Describes the cluster in one line; never a password.</summary>
    /// <returns>The same as <see cref="Describe"/>.</returns>
    public override string ToString() => Describe();

    /// <summary>Asynchronously stops every node and deletes its folder, after closing the idle pooled connections to it. Safe to call twice.</summary>
    /// <returns>A task that completes when every node is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        foreach (var connectionString in Nodes.SelectMany(node => new[] { node.ConnectionString, node.AdminConnectionString }).Append(ConnectionString).Append(AdminConnectionString))
            await ClearPoolAsync(connectionString).ConfigureAwait(false);
        await Task.WhenAll(_processes.Select(process => process.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    /// <summary>Stops every node and deletes its folder. Safe to call twice.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task WaitForSyncAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Nodes.FirstOrDefault(node => node.IsWanted && !node.IsRunning) is { } crashed)
                throw new InvalidOperationException($"{crashed.Name} ({crashed.Host}:{Port}) exited although it should run. {crashed.DescribeErrorLog()}");
            var expected = Nodes.Where(node => node.IsRunning && !node.IsIsolated).ToList();
            var statuses = await Task.WhenAll(expected.Select(node => TryGetStatusAsync(node, cancellationToken))).ConfigureAwait(false);
            if (statuses.All(status => status is { IsSynced: true } && status.ClusterSize == expected.Count))
                return;
            if (DateTime.UtcNow > deadline)
            {
                var report = string.Join("; ", expected.Select((node, i) => $"{node.Name} ({node.Host}:{Port}): {statuses[i]?.ToString() ?? "no answer"}"));
                var worst = expected.Where((_, i) => statuses[i] is not { IsSynced: true }).FirstOrDefault() ?? expected.First();
                throw new TimeoutException(
                    $"Waited {timeout.TotalSeconds:0.#} s for the cluster to be synced with wsrep_cluster_size = {expected.Count} on every running node, in vain. " +
                    $"Last seen: {report}. About {worst.Name}: {worst.DescribeErrorLog()}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<MySqlTestClusterNodeStatus?> TryGetStatusAsync(MySqlTestClusterNode node, CancellationToken cancellationToken)
    {
        try
        {
            return await node.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            return null;
        }
    }

    /// <summary>Creates the database and users on node 1 (Galera replicates them) and waits until both users can log in on every node.</summary>
    private async Task CreateUsersAsync(LocalServerProcess first, string adminPassword, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var user = SqlText.AnyHostAccount(UserName);
        var admin = SqlText.AnyHostAccount(LocalBinaryServer.AdminUserName);
        await first.ExecuteAsRootAsync(
        [
            $"CREATE DATABASE IF NOT EXISTS {SqlText.Identifier(Database)}",
            $"CREATE USER {user} IDENTIFIED BY {SqlText.Literal(Password)}",
            $"GRANT ALL ON {SqlText.Identifier(Database)}.* TO {user}",
            $"CREATE USER {admin} IDENTIFIED BY {SqlText.Literal(adminPassword)}",
            $"GRANT ALL PRIVILEGES ON *.* TO {admin} WITH GRANT OPTION",
        ], cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + timeout;
        foreach (var connectionString in Nodes.SelectMany(node => new[] { node.ConnectionString, node.AdminConnectionString }))
        {
            var builder = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5 };
            while (true)
            {
                try
                {
                    await ServerQuery.VersionAsync(builder.ConnectionString, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (MySqlException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }
                catch (MySqlException ex)
                {
                    throw new TimeoutException($"The user {builder.UserID} created on node1 could not log in on {builder.Server}:{Port} within {timeout.TotalSeconds:0.#} s: {ex.Message}", ex);
                }
            }
        }
    }

    private static async Task ClearPoolAsync(string connectionString)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await MySqlConnection.ClearPoolAsync(connection).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // the pool's idle connections are closed on a best-effort basis; the nodes go away next anyway
        }
    }

    private static void Validate(MySqlTestClusterOptions options)
    {
        if (options.NodeCount is < 1 or > MaxNodeCount)
            throw new ArgumentException($"MySqlTestClusterOptions.NodeCount must be from 1 to {MaxNodeCount}, not {options.NodeCount}.", nameof(options));
        if (string.IsNullOrEmpty(options.DatabaseName) || string.IsNullOrEmpty(options.UserName))
            throw new ArgumentException("MySqlTestClusterOptions.DatabaseName and UserName must not be empty.", nameof(options));
        if (options.Password is null)
            throw new ArgumentException("MySqlTestClusterOptions.Password must not be null; use an empty string for no password.", nameof(options));
        if (options.StartTimeout <= TimeSpan.Zero || options.OperationTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"MySqlTestClusterOptions.StartTimeout and OperationTimeout must be positive, not {options.StartTimeout} and {options.OperationTimeout}.", nameof(options));
        if (options.ExtraServerArguments is null)
            throw new ArgumentException("MySqlTestClusterOptions.ExtraServerArguments must not be null; use [] for none.", nameof(options));
    }
}
