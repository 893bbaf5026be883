using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Galera;

/// <summary>
/// What a local Galera cluster needs on this machine: MariaDB's <c>mariadbd</c>, the Galera 4 provider library, rsync
/// and MariaDB's <c>wsrep_sst_rsync</c> script (state transfers), a socket tool that script uses (<c>ss</c>, <c>lsof</c>
/// or <c>sockstat</c>), and, when the tests run as root, the <c>mysql</c> account the nodes run as.
/// </summary>
internal sealed class GaleraEnvironment
{
    /// <summary>The account the nodes run as when the test process is root: rsync state transfers fail as root ("Permission denied").</summary>
    public const string NodeAccount = "mysql";

    /// <summary>The command that installs everything on Debian or Ubuntu.</summary>
    public const string InstallHint = "apt-get install -y mariadb-server galera-4 rsync";

    private static readonly string[] ProviderPaths =
    [
        "/usr/lib/galera/libgalera_smm.so",                  // Debian, Ubuntu
        "/usr/lib/galera-4/libgalera_smm.so",                // MariaDB's own packages
        "/usr/lib64/galera-4/libgalera_smm.so",              // RHEL, Fedora
        "/usr/lib64/galera/libgalera_smm.so",
        "/usr/lib/libgalera_smm.so",
        "/usr/local/lib/galera/libgalera_smm.so",
        "/usr/lib/x86_64-linux-gnu/galera/libgalera_smm.so",
        "/usr/lib/aarch64-linux-gnu/galera/libgalera_smm.so",
    ];

    private GaleraEnvironment(ServerBinary binary, string providerPath)
    {
        Binary = binary;
        ProviderPath = providerPath;
    }

    /// <summary>Gets the MariaDB server binary.</summary>
    public ServerBinary Binary { get; }

    /// <summary>Gets the Galera provider library (<c>wsrep_provider</c>).</summary>
    public string ProviderPath { get; }

    /// <summary>Finds everything a cluster needs, or fails with one message naming everything that is missing.</summary>
    /// <param name="providerPath">The provider library named in the options, or <c>null</c> to search the usual places.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <exception cref="InvalidOperationException">Something is missing; the message names it and how to install it.</exception>
    public static async Task<GaleraEnvironment> FindAsync(string? providerPath, CancellationToken cancellationToken)
    {
        List<string> missing = [];
        var binary = await ServerBinary.FindAsync(cancellationToken).ConfigureAwait(false);
        if (binary is null)
            missing.Add($"a MariaDB server binary (no mariadbd or mysqld on {ServerBinary.SearchedFolders})");
        else if (!binary.IsMariaDb)
            missing.Add($"a MariaDB server binary ({binary.Path} is MySQL, which has no Galera)");

        var provider = providerPath is not null
            ? (File.Exists(providerPath) ? providerPath : null)
            : ProviderPaths.FirstOrDefault(File.Exists);
        if (provider is null)
        {
            missing.Add(providerPath is not null
                ? $"the Galera provider library named by MySqlTestClusterOptions.ProviderPath ({providerPath} does not exist)"
                : $"the Galera 4 provider library libgalera_smm.so (package galera-4; looked in {string.Join(", ", ProviderPaths)})");
        }
        if (ProcessRunner.Find("rsync") is null)
            missing.Add("rsync (package rsync), which state transfers use");
        if (ProcessRunner.Find("wsrep_sst_rsync") is null)
            missing.Add("MariaDB's wsrep_sst_rsync script (package mariadb-server)");
        if (ProcessRunner.Find("ss", "lsof", "sockstat") is null)
            missing.Add("ss or lsof (package iproute2 or lsof), which wsrep_sst_rsync uses to watch its ports");
        if (LocalServerProcess.RunsAsRoot && !FileOwner.AccountExists(NodeAccount))
            missing.Add($"the '{NodeAccount}' account, which the nodes run as when the tests run as root (package mariadb-server creates it)");

        if (missing.Count > 0 || binary is null || provider is null)
        {
            throw new InvalidOperationException(
                "MySqlTestCluster starts local MariaDB Galera nodes, and this machine lacks " + string.Join("; ", missing) +
                $". Install what is missing (on Debian or Ubuntu, as root: {InstallHint}; ./build.sh test does this); a container backend does not exist yet.");
        }
        return new GaleraEnvironment(binary, provider);
    }
}
