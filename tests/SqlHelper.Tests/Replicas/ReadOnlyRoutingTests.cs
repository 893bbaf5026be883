using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Replicas;

/// <summary>
/// Routing rules that need no replication: the "replica" here is the same server reached through its own pool (or a closed
/// port for a dead one). Tests against a real primary/replica pair are in ReplicationTopologyTests.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ReadOnlyRoutingTests(DatabaseFixture db)
{
    [Fact]
    public async Task NoReplicas_ReadOnlyScopesUseThePrimary()
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenReadOnlyAsync();
        Assert.Equal(1, helper.GetStatistics().HeldConnections);
        Assert.Equal(0, helper.GetStatistics().ReadOnlyScopesOnReplicas);
        Assert.Empty(helper.GetReplicaStatus());
    }

    [Fact]
    public async Task WithAReplica_ReadOnlyScopesUseItsOwnPoolAndCap()
    {
        await using var helper = db.CreateHelper(o => { o.ReplicaConnectionStrings = [db.ConnectionString]; o.ReplicaMaxConnections = 1; o.Blocking = false; });
        await using var primary = await helper.OpenAsync();
        await using (var reader = await helper.OpenReadOnlyAsync())
        {
            Assert.Equal(2, reader.Depth);
            Assert.Same(reader, helper.Current);
            var stats = helper.GetStatistics();
            Assert.Equal(1, stats.HeldConnections);
            Assert.Equal(1, stats.ReplicaHeldConnections);
            Assert.Equal(1, stats.ReadOnlyScopesOnReplicas);
            var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => Flows.RunDetached(async () => await helper.OpenReadOnlyAsync()));
            Assert.Contains("ReplicaMaxConnections", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, helper.GetStatistics().ReplicaHeldConnections);
    }

    [Fact]
    public async Task ReadYourWrites_ReadOnlyScopeInsideAWritingScope_JoinsIt()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper(o => o.ReplicaConnectionStrings = [db.ConnectionString]);
        await using var writer = await helper.OpenAsync();
        await using (var before = await helper.OpenReadOnlyAsync())
            Assert.False(before.IsJoined);                                        // nothing written yet: a replica

        await writer.BeginTransactionAsync();
        await writer.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");
        await using (var reader = await helper.OpenReadOnlyAsync())
        {
            Assert.True(reader.IsJoined);
            Assert.Same(writer.Connection, reader.Connection);
            Assert.Equal(1L, await reader.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));   // sees its own uncommitted row
        }
        await writer.CommitAsync();
        using (var afterCommit = helper.OpenReadOnly())
            Assert.True(afterCommit.IsJoined);                                    // the scope wrote: still the primary
    }

    [Fact]
    public async Task ReplicaDown_ReadsFallBackToThePrimaryWithAWarning_AndItIsSkippedAfterwards()
    {
        var logs = new CapturingLoggerFactory();
        var dead = new MySqlConnector.MySqlConnectionStringBuilder(db.ConnectionString) { Port = (uint) Scopes.ScopeStackTests.FreeTcpPort(), ConnectionTimeout = 1 };
        await using var helper = db.CreateHelper(o =>
        {
            o.ReplicaConnectionStrings = [dead.ConnectionString];
            o.LoggerFactory = logs;
            o.ReplicaCheckInterval = TimeSpan.FromMinutes(10);
        });

        await using (var scope = await helper.OpenReadOnlyAsync())
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
        using (var scope = helper.OpenReadOnly())
            Assert.Equal(1L, scope.ExecuteScalar<long>("SELECT 1"));

        var status = Assert.Single(helper.GetReplicaStatus());
        Assert.False(status.IsAvailable);
        Assert.Contains("unreachable", status.UnavailableReason, StringComparison.Ordinal);
        Assert.True(helper.GetStatistics().ReplicaFallbacks >= 2);
        Assert.NotEmpty(logs.WithEventId(4000));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(db.Server.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchOutsideScopes_UsesAReplicaOnlyWhenOptedIn()
    {
        await using var plain = db.CreateHelper(o => o.ReplicaConnectionStrings = [db.ConnectionString]);
        await plain.FetchOneAsync<int>("SELECT 1");
        Assert.Equal(0, plain.GetStatistics().ReadOnlyScopesOnReplicas);

        await using var optedIn = db.CreateHelper(o => { o.ReplicaConnectionStrings = [db.ConnectionString]; o.ReadFromReplicasOutsideScopes = true; });
        await optedIn.FetchOneAsync<int>("SELECT 1");
        optedIn.FetchAll<int>("SELECT 1");
        await optedIn.ExecuteAsync("DO 1");                                       // writes never go to a replica
        Assert.Equal(2, optedIn.GetStatistics().ReadOnlyScopesOnReplicas);
    }

    [Fact]
    public void BadReplicaOptions_FailAtConstructionNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SqlHelper(new SqlHelperOptions { ConnectionString = db.ConnectionString, ReplicaConnectionStrings = ["Server=x;Bogus=1"] }));
        Assert.Equal("ReplicaConnectionStrings", ex.ParamName);
        Assert.Contains("ReplicaConnectionStrings[0]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SqlHelper(new SqlHelperOptions { ConnectionString = db.ConnectionString, ReplicaMaxConnections = 0 }));
        Assert.Throws<ArgumentException>(() => new SqlHelper(new SqlHelperOptions { ConnectionString = db.ConnectionString, MaxReplicaLag = TimeSpan.Zero }));
    }
}
