namespace SqlHelpers.Tests.Cluster;

/// <summary>
/// The tests that share one Galera cluster. They run alone, after the other collections: the cluster kills and isolates
/// nodes on timings of a few seconds, and three servers at once are a load on a small machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
