namespace SqlHelpers.Testing;

/// <summary>Options for <see cref="MySqlTestCluster.StartAsync"/>. Everything is optional.</summary>
public sealed class MySqlTestClusterOptions
{
    /// <summary>Gets or sets how many nodes to start, from 1 to <see cref="MySqlTestCluster.MaxNodeCount"/>. The default is <see cref="MySqlTestCluster.DefaultNodeCount"/> (3).</summary>
    public int NodeCount { get; set; } = MySqlTestCluster.DefaultNodeCount;

    /// <summary>Gets or sets the database created for the tests. The default is <c>sqlhelper</c>.</summary>
    public string DatabaseName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user created for the tests (ALL on <see cref="DatabaseName"/>; no PROCESS or SUPER). The default is <c>sqlhelper</c>.</summary>
    public string UserName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user's password. The default is <c>Sqlh3lper-pw</c>.</summary>
    public string Password { get; set; } = "Sqlh3lper-pw";

    /// <summary>Gets or sets how long the cluster may take to start, form and sync. The default is 90 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Gets or sets how long a node operation or a wait may take: a node restarting and syncing, an isolation or a heal
    /// taking effect, <see cref="MySqlTestCluster.WaitUntilSyncedAsync"/>. The default is 60 s.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the Galera provider library (<c>wsrep_provider</c>). The default, <c>null</c>, searches the usual places
    /// (<c>/usr/lib/galera/libgalera_smm.so</c> on Debian and Ubuntu, <c>/usr/lib64/galera-4/</c> on RHEL, ...).
    /// </summary>
    public string? ProviderPath { get; set; }

    /// <summary>Gets or sets extra command-line arguments for every node, after the cluster's own (so they win), e.g. <c>--max-allowed-packet=64M</c>.</summary>
    public IReadOnlyList<string> ExtraServerArguments { get; set; } = [];
}
