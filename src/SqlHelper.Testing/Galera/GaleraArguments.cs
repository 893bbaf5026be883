using System.Globalization;

namespace SqlHelpers.Testing.Galera;

/// <summary>
/// The wsrep part of a node's command line. Each node <i>n</i> has three consecutive Galera ports on 127.0.0.1 from its
/// base port <i>B</i>: group communication on <i>B</i>, incremental state transfer (IST) on <i>B</i>+1 and rsync state
/// snapshot transfer (SST) on <i>B</i>+2. Its SQL port is on its own address, 127.0.0.<i>n</i>.
/// </summary>
internal static class GaleraArguments
{
    /// <summary>The Galera ports a node needs from its base port.</summary>
    public const int PortsPerNode = 3;

    /// <summary>
    /// Group communication timings shortened from Galera's defaults (suspect 5 s, inactive 15 s, join retransmission 1 s),
    /// so that a killed or isolated node is evicted in about 2 s and a cluster forms in about a second. Loopback only:
    /// a node silent for 2 s on an idle machine is gone.
    /// </summary>
    private const string Timings =
        "evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.inactive_check_period=PT0.5S;" +
        "evs.join_retrans_period=PT0.2S;gmcast.peer_timeout=PT1S";

    /// <summary>Builds the wsrep arguments of one node.</summary>
    /// <param name="providerPath">The Galera provider library.</param>
    /// <param name="clusterName">The cluster's name; nodes of other clusters are refused.</param>
    /// <param name="basePorts">Every node's base port, in node order (the cluster address lists them all).</param>
    /// <param name="index">This node's index in <paramref name="basePorts"/>.</param>
    /// <param name="sqlAddress">This node's SQL address and port, e.g. <c>127.0.0.2:31000</c>.</param>
    public static List<string> Build(string providerPath, string clusterName, IReadOnlyList<int> basePorts, int index, string sqlAddress)
    {
        var basePort = basePorts[index];
        var peers = string.Join(',', basePorts.Select(port => "127.0.0.1:" + Text(port)));
        return
        [
            "--wsrep-on=ON",
            $"--wsrep-provider={providerPath}",
            $"--wsrep-cluster-name={clusterName}",
            $"--wsrep-cluster-address=gcomm://{peers}",
            $"--wsrep-node-name=node{Text(index + 1)}",
            $"--wsrep-node-address=127.0.0.1:{Text(basePort)}",
            $"--wsrep-node-incoming-address={sqlAddress}",
            $"--wsrep-provider-options=base_port={Text(basePort)};gmcast.listen_addr=tcp://127.0.0.1:{Text(basePort)};" +
            $"ist.recv_addr=127.0.0.1:{Text(basePort + 1)};gcache.size=16M;{Timings}",
            $"--wsrep-sst-receive-address=127.0.0.1:{Text(basePort + 2)}",
            "--wsrep-sst-method=rsync",
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
            // A 16 MiB redo log instead of 96 MiB: the template, and so every node's copy of it, is about 40 MiB instead of 120.
            "--innodb-log-file-size=16M",
        ];
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
