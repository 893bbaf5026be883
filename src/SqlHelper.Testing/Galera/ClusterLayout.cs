using System.Globalization;
using System.Net;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Galera;

/// <summary>
/// Where a test cluster's nodes listen: node <i>n</i> serves SQL on 127.0.0.<i>n</i> and one port shared by all nodes (so
/// that MySqlConnector's multi-host <c>Server=a,b,c</c>, which takes a single <c>Port</c>, names every node), and talks
/// Galera on three consecutive ports of its own on 127.0.0.1. All of them come from one block of free ports.
/// </summary>
internal sealed class ClusterLayout
{
    private ClusterLayout(string clusterName, int sqlPort, IReadOnlyList<string> hosts, IReadOnlyList<int> basePorts)
    {
        ClusterName = clusterName;
        SqlPort = sqlPort;
        Hosts = hosts;
        BasePorts = basePorts;
    }

    /// <summary>Gets the cluster's name (<c>wsrep_cluster_name</c>), unique per cluster so that nodes of two clusters never merge.</summary>
    public string ClusterName { get; }

    /// <summary>Gets the SQL port, the same on every node's address.</summary>
    public int SqlPort { get; }

    /// <summary>Gets each node's SQL address: 127.0.0.1, 127.0.0.2, ...</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Gets each node's Galera base port (group communication; IST on +1, SST on +2), all on 127.0.0.1.</summary>
    public IReadOnlyList<int> BasePorts { get; }

    /// <summary>Picks the addresses and a block of free ports for <paramref name="nodeCount"/> nodes.</summary>
    /// <exception cref="InvalidOperationException">The addresses cannot be bound, or no free block was found.</exception>
    public static ClusterLayout Pick(int nodeCount)
    {
        var hosts = Enumerable.Range(1, nodeCount).Select(n => "127.0.0." + n.ToString(CultureInfo.InvariantCulture)).ToList();
        var first = FreePort.FindBlock(1 + nodeCount * GaleraArguments.PortsPerNode, [.. hosts.Select(IPAddress.Parse)]);
        var basePorts = Enumerable.Range(0, nodeCount).Select(i => first + 1 + i * GaleraArguments.PortsPerNode).ToList();
        return new ClusterLayout("sqlhelper-" + Guid.NewGuid().ToString("N")[..8], first, hosts, basePorts);
    }

    /// <summary>Gets node <paramref name="index"/>'s SQL address and port, e.g. <c>127.0.0.2:31000</c>.</summary>
    public string SqlEndpoint(int index) => Hosts[index] + ":" + SqlPort.ToString(CultureInfo.InvariantCulture);
}
