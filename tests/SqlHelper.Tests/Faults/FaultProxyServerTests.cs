using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Faults;

/// <summary>
/// <see cref="MySqlFaultProxy"/> in front of the real test server, driven by MySqlConnector: a clean proxy is invisible,
/// and the faults that matter most to a pool show up as the errors a client would get from a real network.
/// Connections are unpooled, so none outlives its proxy in a pool.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class FaultProxyServerTests(DatabaseFixture db)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Query_ThroughACleanProxy_Works()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);

        await using var connection = new MySqlConnection(ThroughProxy(proxy));
        await connection.OpenAsync().WaitAsync(Bound);
        await using var command = new MySqlCommand("SELECT CONCAT('through ', @who)", connection);
        command.Parameters.AddWithValue("@who", "the proxy");

        Assert.Equal("through the proxy", await command.ExecuteScalarAsync().WaitAsync(Bound));
        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(1, proxy.ActiveConnections);
        Assert.True(proxy.BytesUpstream > 0 && proxy.BytesDownstream > 0, proxy.ToString());
    }

    [Fact]
    public async Task Blackhole_OpenFailsWithinConnectTimeout()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        proxy.Blackhole();

        await using var connection = new MySqlConnection(ThroughProxy(proxy, connectTimeout: 2));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync().WaitAsync(Bound));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.Equal(1, proxy.ConnectionsAccepted);
    }

    [Fact]
    public async Task NeverGreet_OpenFailsWithinConnectTimeout()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        proxy.NeverGreet();

        await using var connection = new MySqlConnection(ThroughProxy(proxy, connectTimeout: 2));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync().WaitAsync(Bound));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.Equal(0, proxy.BytesDownstream);
    }

    [Fact]
    public async Task ResetAllConnections_DuringAQuery_FailsIt_AndANewConnectionWorks()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        await using var connection = new MySqlConnection(ThroughProxy(proxy));
        await connection.OpenAsync().WaitAsync(Bound);
        var sentBeforeQuery = proxy.BytesUpstream;

        // Given a query running on the server
        await using var command = new MySqlCommand("SELECT SLEEP(20)", connection);
        var query = command.ExecuteScalarAsync();
        var watch = Stopwatch.StartNew();
        while (proxy.BytesUpstream == sentBeforeQuery && watch.Elapsed < Bound)
            await Task.Delay(10);
        await Task.Delay(200);

        // When every connection is reset
        proxy.ResetAllConnections();

        // Then the query fails promptly, not when the sleep ends
        await Assert.ThrowsAsync<MySqlException>(() => query.WaitAsync(Bound));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.NotEqual(System.Data.ConnectionState.Open, connection.State);

        await using var next = new MySqlConnection(ThroughProxy(proxy));
        await next.OpenAsync().WaitAsync(Bound);
        await using var ping = new MySqlCommand("SELECT 1", next);
        Assert.Equal(1, Convert.ToInt32(await ping.ExecuteScalarAsync().WaitAsync(Bound), System.Globalization.CultureInfo.InvariantCulture));
    }

    private string ThroughProxy(MySqlFaultProxy proxy, uint connectTimeout = 10) =>
        new MySqlConnectionStringBuilder(proxy.RewriteConnectionString(db.ConnectionString)) { Pooling = false, ConnectionTimeout = connectTimeout }.ConnectionString;
}
