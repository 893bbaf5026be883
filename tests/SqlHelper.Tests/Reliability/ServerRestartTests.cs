using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Reliability;

[Collection(DatabaseCollection.Name)]
public sealed class ServerRestartTests
{
    [Fact]
    public async Task ServerStoppedWithScopesOpenAndIdleConnectionsPooled_FailsFastWhileDown_RecoversWhenBack()
    {
        await using var server = await MySqlTestServer.StartAsync(new MySqlTestServerOptions { RequireLocalBinary = true });
        await using var helper = new SqlHelper(new SqlHelperOptions
        {
            ConnectionString = server.ConnectionString + ";ConnectionTimeout=3",
            MaxConnections = 4,
            ReservedForNested = 0,
            AcquireTimeout = TimeSpan.FromSeconds(5),
        });
        var open = await helper.OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Flows.RunDetached(async () =>
        {
            await using var scope = await helper.OpenAsync();
            await scope.ExecuteScalarAsync<long>("SELECT 1");
        })));                                                             // two idle pooled connections

        await server.StopAsync();

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<Exception>(() => open.ExecuteScalarAsync<long>("SELECT 1"));
        var whileDown = await Assert.ThrowsAsync<MySqlException>(async () => await helper.OpenAsync());
        Assert.Throws<MySqlException>(() => helper.Open());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.DoesNotContain(server.Password, whileDown.ToString(), StringComparison.Ordinal);
        await open.DisposeAsync();
        Assert.Equal(0, helper.GetStatistics().HeldConnections);

        await server.StartAgainAsync();

        for (var i = 0; i < 4; i++)
        {
            await using var scope = await helper.OpenAsync();
            Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
        }
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }
}
