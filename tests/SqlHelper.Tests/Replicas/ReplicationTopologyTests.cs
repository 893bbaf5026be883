using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Replicas;

/// <summary>Starts a real primary and replica (two local servers, binary-log replication) once for these tests.</summary>
public sealed class ReplicationFixture : IAsyncLifetime
{
    public MySqlReplicationPair Pair { get; private set; } = null!;

    public async Task InitializeAsync() => Pair = await MySqlReplicationPair.StartAsync();

    public async Task DisposeAsync() => await Pair.DisposeAsync();
}

[Collection(DatabaseCollection.Name)]
public sealed class ReplicationTopologyTests(ReplicationFixture topology) : IClassFixture<ReplicationFixture>
{
    private MySqlReplicationPair Pair => topology.Pair;

    private SqlHelper CreateHelper(Action<SqlHelperOptions>? configure = null)
    {
        var options = new SqlHelperOptions
        {
            ConnectionString = Pair.Primary.ConnectionString,
            ReplicaConnectionStrings = [Pair.Replica.ConnectionString],
            MaxReplicaLag = TimeSpan.FromSeconds(5),
            ReplicaCheckInterval = TimeSpan.FromMinutes(5),   // the tests ask for checks explicitly
        };
        configure?.Invoke(options);
        return new SqlHelper(options);
    }

    [Fact]
    public async Task Routing_ServerIdTellsWhichServerAnswered()
    {
        await using var helper = CreateHelper();
        await helper.CheckReplicasAsync();
        await using (var write = await helper.OpenAsync())
            Assert.Equal(1L, await write.ExecuteScalarAsync<long>("SELECT @@server_id"));
        await using (var read = await helper.OpenReadOnlyAsync())
            Assert.Equal(2L, await read.ExecuteScalarAsync<long>("SELECT @@server_id"));
        Assert.True(Assert.Single(helper.GetReplicaStatus()).IsAvailable);
    }

    [Fact]
    public async Task ReadYourWrites_UncommittedAndJustCommitted_ReadFromThePrimary()
    {
        await using var helper = CreateHelper();
        await using var writer = await helper.OpenAsync();
        await writer.ExecuteAsync("CREATE TABLE IF NOT EXISTS ryw (id INT PRIMARY KEY)");
        await writer.ExecuteAsync("DELETE FROM ryw");
        await Pair.WaitForReplicaAsync(TimeSpan.FromSeconds(10));
        await Pair.StopReplicaSqlThreadAsync();                          // the replica will not see what follows
        try
        {
            await writer.BeginTransactionAsync();
            await writer.ExecuteAsync("INSERT INTO ryw VALUES (1)");
            await using (var read = await helper.OpenReadOnlyAsync())
            {
                Assert.Equal(1L, await read.ExecuteScalarAsync<long>("SELECT @@server_id"));
                Assert.Equal(1L, await read.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ryw"));   // its own uncommitted row
            }
            await writer.CommitAsync();
            await using (var read = await helper.OpenReadOnlyAsync())
                Assert.Equal(1L, await read.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ryw"));   // just committed, still the primary
        }
        finally
        {
            await Pair.StartReplicaSqlThreadAsync();
        }
    }

    [Fact]
    public async Task StoppedReplicaSqlThread_IsSkippedWithAWarning_AndUsedAgainWhenItCatchesUp()
    {
        var logs = new CapturingLoggerFactory();
        await using var helper = CreateHelper(o => o.LoggerFactory = logs);
        await Pair.StopReplicaSqlThreadAsync();
        try
        {
            await helper.CheckReplicasAsync();
            var status = Assert.Single(helper.GetReplicaStatus());
            Assert.False(status.IsAvailable);
            Assert.Contains("replication is not running", status.UnavailableReason, StringComparison.Ordinal);
            await using (var read = await helper.OpenReadOnlyAsync())
                Assert.Equal(1L, await read.ExecuteScalarAsync<long>("SELECT @@server_id"));
            Assert.NotEmpty(logs.WithEventId(4000));
            Assert.NotEmpty(logs.WithEventId(4002));
            Assert.True(helper.GetStatistics().ReplicaFallbacks > 0);
        }
        finally
        {
            await Pair.StartReplicaSqlThreadAsync();
        }
        await helper.CheckReplicasAsync();
        Assert.True(Assert.Single(helper.GetReplicaStatus()).IsAvailable);
        Assert.NotEmpty(logs.WithEventId(4001));
        await using var again = await helper.OpenReadOnlyAsync();
        Assert.Equal(2L, await again.ExecuteScalarAsync<long>("SELECT @@server_id"));
    }

    [Fact]
    public async Task StoppedReplicaServer_ReadsFallBackToThePrimary_AndReturnWhenItIsBack()
    {
        await using var helper = CreateHelper();
        await Pair.Replica.StopAsync();
        try
        {
            await helper.CheckReplicasAsync();
            Assert.False(Assert.Single(helper.GetReplicaStatus()).IsAvailable);
            using (var read = helper.OpenReadOnly())
                Assert.Equal(1L, read.ExecuteScalar<long>("SELECT @@server_id"));
        }
        finally
        {
            await Pair.Replica.StartAgainAsync();
        }
        await helper.ClearPoolAsync();
        // A restarted replica reports no lag (Seconds_Behind_Master NULL) until its IO thread has reconnected: the monitor
        // rightly keeps it unavailable until then. Wait for that, bounded, instead of reading at once.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            await helper.CheckReplicasAsync();
            if (Assert.Single(helper.GetReplicaStatus()).IsAvailable)
                break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.True(Assert.Single(helper.GetReplicaStatus()).IsAvailable, $"The restarted replica did not replicate again within 30 s: {helper.GetReplicaStatus()[0].UnavailableReason}");
        await using var back = await helper.OpenReadOnlyAsync();
        Assert.Equal(2L, await back.ExecuteScalarAsync<long>("SELECT @@server_id"));
    }

    [Fact]
    public async Task PrimaryNamedTwice_MultiHostFailover_Works()
    {
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(Pair.Primary.ConnectionString)
        {
            Server = "127.0.0.1,localhost",
            LoadBalance = MySqlConnector.MySqlLoadBalance.FailOver,
        };
        await using var helper = new SqlHelper(builder.ConnectionString);
        await using var outer = await helper.OpenAsync();
        await using var inner = await helper.OpenAsync();
        Assert.Equal(1L, await inner.ExecuteScalarAsync<long>("SELECT @@server_id"));
        Assert.NotEqual(outer.Connection.ServerThread, inner.Connection.ServerThread);
    }
}
