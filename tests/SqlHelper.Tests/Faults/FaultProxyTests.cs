using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;
using SqlHelpers.Testing;

namespace SqlHelpers.Tests.Faults;

/// <summary>
/// <see cref="MySqlFaultProxy"/> in front of an in-process <see cref="EchoServer"/>: each fault does what it says at the
/// TCP level. Every wait is bounded (<see cref="ProxyClient.Timeout"/>); the only timing asserts are lower bounds that
/// the proxy guarantees (it never forwards early) and generous upper bounds.
/// </summary>
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task CleanProxy_ForwardsBothWaysAndTheClose_AndCounts()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        var payload = Bytes(300_000);

        using (var client = await ProxyClient.ConnectGreetedAsync(proxy.Port))
        {
            Assert.Equal(payload, await client.EchoAsync(payload));
            Assert.Equal(1, proxy.ActiveConnections);

            client.ShutdownSend();
            var (rest, end) = await client.ReadToEndAsync();
            Assert.Empty(rest);
            Assert.Equal(ProxyClient.End.Closed, end);
        }

        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "the connection is gone");
        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(0, proxy.ConnectionsRefused);
        Assert.Equal(payload.Length, proxy.BytesUpstream);
        Assert.Equal(EchoServer.Greeting.Length + payload.Length, proxy.BytesDownstream);
        Assert.Equal(1, echo.EndedByClose);
    }

    [Fact]
    public async Task ServerReset_IsPassedOnToTheClientAsAReset()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        echo.ResetAll();

        Assert.Equal(ProxyClient.End.Reset, (await client.ReadToEndAsync()).End);
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "the connection is gone");
    }

    [Theory]
    [InlineData(ProxyDirection.Upstream, 1)]
    [InlineData(ProxyDirection.Downstream, 1)]
    [InlineData(ProxyDirection.Both, 2)]
    public async Task Latency_DelaysEachChunkInItsDirection(ProxyDirection direction, int times)
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var latency = TimeSpan.FromMilliseconds(300);

        proxy.SetLatency(direction, latency);
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            await client.EchoAsync(Bytes(100));
            Assert.InRange(watch.Elapsed, latency * times, ProxyClient.Timeout);
        }
    }

    [Fact]
    public async Task Jitter_VariesTheLatency_NeverBelowLatencyMinusJitter()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        proxy.SetLatency(ProxyDirection.Downstream, TimeSpan.FromMilliseconds(100), jitter: TimeSpan.FromMilliseconds(60));
        var roundTrips = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            var watch = Stopwatch.StartNew();
            await client.EchoAsync(Bytes(10));
            roundTrips.Add(watch.Elapsed);
        }

        Assert.All(roundTrips, t => Assert.InRange(t, TimeSpan.FromMilliseconds(40), ProxyClient.Timeout));
        // Uniform over 120 ms: eight samples within 5 ms of each other would be a one-in-10^9 event.
        Assert.True(roundTrips.Max() - roundTrips.Min() > TimeSpan.FromMilliseconds(5), string.Join(", ", roundTrips));
    }

    [Fact]
    public async Task Heal_ReleasesChunksHeldByLatency()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(1000);

        proxy.SetLatency(ProxyDirection.Upstream, TimeSpan.FromHours(1));
        var echoed = client.EchoAsync(payload);
        await Task.Delay(Quiet);
        Assert.Equal(0, echo.BytesReceived);
        proxy.Heal();

        Assert.Equal(payload, await echoed);
    }

    [Theory]
    [InlineData(ProxyDirection.Upstream)]
    [InlineData(ProxyDirection.Downstream)]
    public async Task Bandwidth_LimitsTheBytesPerSecond(ProxyDirection direction)
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(50_000);

        proxy.SetBandwidth(direction, 50_000);
        var watch = Stopwatch.StartNew();
        Assert.Equal(payload, await client.EchoAsync(payload));

        // Sent in slices of 1/20 s: the first goes at once, the other 19 are paced.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), ProxyClient.Timeout);
    }

    [Fact]
    public async Task Heal_LiftsABandwidthLimitMidTransfer()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(200_000);

        proxy.SetBandwidth(ProxyDirection.Downstream, 1000);   // 200 s for the payload
        var echoed = client.EchoAsync(payload);
        await Task.Delay(Quiet);
        Assert.InRange(proxy.BytesDownstream - EchoServer.Greeting.Length, 1, 10_000);
        proxy.Heal();

        Assert.Equal(payload, await echoed);
    }

    [Fact]
    public async Task Blackhole_HoldsExistingAndNewConnectionsOpen_UntilLifted()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var existing = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(100);

        // Given a blackhole
        proxy.Blackhole();

        // When an existing connection sends and a new one connects
        await existing.SendAsync(payload);
        using var added = await ProxyClient.ConnectAsync(proxy.Port);

        // Then nothing is forwarded either way, nothing is closed, and the new one never reaches the server
        await existing.AssertSilentAsync(Quiet);
        await added.AssertSilentAsync(TimeSpan.Zero);
        Assert.Equal(0, echo.BytesReceived);
        Assert.Equal(1, echo.Accepted);
        await WaitUntilAsync(() => proxy.ActiveConnections == 2, "the proxy holds both connections");

        // And once it is lifted, what was held flows and the new connection reaches the server
        proxy.Blackhole(false);
        Assert.Equal(payload, await existing.ReadExactlyAsync(payload.Length));
        Assert.Equal(EchoServer.Greeting, await added.ReadExactlyAsync(EchoServer.Greeting.Length));
        Assert.Equal(2, echo.Accepted);
    }

    [Fact]
    public async Task RefuseNewConnections_ResetsNewOnes_ExistingOnesKeepWorking()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var existing = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        proxy.RefuseNewConnections();

        Assert.Equal(ProxyClient.End.Reset, await ConnectAndReadToEndAsync(proxy.Port));
        Assert.Equal(1, proxy.ConnectionsRefused);
        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(1, echo.Accepted);
        var payload = Bytes(100);
        Assert.Equal(payload, await existing.EchoAsync(payload));

        proxy.RefuseNewConnections(false);
        using var later = await ProxyClient.ConnectGreetedAsync(proxy.Port);
    }

    [Fact]
    public async Task ResetAllConnections_ResetsBothEnds_NewConnectionsWork()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var first = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        using var second = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        proxy.ResetAllConnections();

        Assert.Equal(ProxyClient.End.Reset, (await first.ReadToEndAsync()).End);
        Assert.Equal(ProxyClient.End.Reset, (await second.ReadToEndAsync()).End);
        await WaitUntilAsync(() => echo.EndedByReset == 2, "the server saw both resets");
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "both connections are gone");
        using var later = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        Assert.Equal(1, proxy.ActiveConnections);
    }

    [Fact]
    public async Task CloseAfterBytes_Downstream_ForwardsExactlyThatMany_ThenCloses()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var existing = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(100);

        // Given a limit of 10 bytes, counted from now on the existing connection
        proxy.CloseAfterBytes(ProxyDirection.Downstream, 10);

        // Then the existing connection gets 10 bytes of the echo, then the end of the stream
        await existing.SendAsync(payload);
        var (data, _) = await existing.ReadToEndAsync();
        Assert.Equal(payload[..10], data);

        // And a new connection counts from its start: the greeting, 4 bytes of the echo, then the end
        using var added = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        await added.SendAsync(payload);
        (data, _) = await added.ReadToEndAsync();
        Assert.Equal(payload[..4], data);
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "both connections are gone");
    }

    [Fact]
    public async Task CloseAfterBytes_Upstream_TheServerGetsExactlyThatMany()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        proxy.CloseAfterBytes(ProxyDirection.Upstream, 10);
        await client.SendAsync(Bytes(100));
        await client.ReadToEndAsync();

        Assert.Equal(10, proxy.BytesUpstream);
        await WaitUntilAsync(() => echo.BytesReceived == 10, "the server got the 10 bytes");
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "the connection is gone");
        Assert.Equal(10, echo.BytesReceived);
    }

    [Fact]
    public async Task NeverGreet_AcceptsButNeverReachesTheServer_EvenAfterItIsTurnedOff()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        using var existing = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        proxy.NeverGreet();
        using var mute = await ProxyClient.ConnectAsync(proxy.Port);
        await mute.SendAsync(Bytes(100));

        await mute.AssertSilentAsync(Quiet);
        Assert.Equal(1, echo.Accepted);
        Assert.Equal(0, echo.BytesReceived);
        await WaitUntilAsync(() => proxy.ActiveConnections == 2, "the proxy holds the mute connection");
        var payload = Bytes(100);
        Assert.Equal(payload, await existing.EchoAsync(payload));

        proxy.NeverGreet(false);
        using var later = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        await mute.AssertSilentAsync(TimeSpan.Zero);

        // A mute connection ends when its client closes it
        mute.ShutdownSend();
        Assert.Equal(ProxyClient.End.Closed, (await mute.ReadToEndAsync()).End);
        await WaitUntilAsync(() => proxy.ActiveConnections == 2, "the mute connection is gone");
    }

    [Fact]
    public async Task ForgetIdleConnections_StopsForwardingIdleOnesForGood_WithoutClosingThem()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        var idleTimeout = TimeSpan.FromSeconds(2);   // the busy connection's pauses stay far below it, even on a loaded machine
        proxy.ForgetIdleConnections(idleTimeout);
        using var idle = await ProxyClient.ConnectGreetedAsync(proxy.Port);

        // Given a connection idle for longer than the timeout, and a busy one
        await Task.Delay(idleTimeout * 1.5);
        using var busy = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(100);
        Assert.Equal(payload, await busy.EchoAsync(payload));
        var received = echo.BytesReceived;

        // When the idle one sends, nothing reaches the server and nothing comes back, and it is not closed
        await idle.SendAsync(payload);
        await idle.AssertSilentAsync(Quiet);
        Assert.Equal(received, echo.BytesReceived);

        // And it stays forgotten after Heal, while the busy one goes on
        proxy.Heal();
        await idle.AssertSilentAsync(Quiet);
        Assert.Equal(received, echo.BytesReceived);
        Assert.Equal(payload, await busy.EchoAsync(payload));
        Assert.Equal(2, proxy.ActiveConnections);

        // Until it is reset
        proxy.ResetAllConnections();
        Assert.Equal(ProxyClient.End.Reset, (await idle.ReadToEndAsync()).End);
    }

    [Fact]
    public async Task Heal_ClearsEveryFault()
    {
        await using var echo = new EchoServer();
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        proxy.SetLatency(ProxyDirection.Both, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        proxy.SetBandwidth(ProxyDirection.Both, 1);
        proxy.CloseAfterBytes(ProxyDirection.Both, 0);
        proxy.Blackhole();
        proxy.RefuseNewConnections();
        proxy.NeverGreet();
        proxy.ForgetIdleConnections(TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain("no faults", proxy.ToString(), StringComparison.Ordinal);

        proxy.Heal();

        Assert.EndsWith("no faults", proxy.ToString(), StringComparison.Ordinal);
        using var client = await ProxyClient.ConnectGreetedAsync(proxy.Port);
        var payload = Bytes(100_000);
        Assert.Equal(payload, await client.EchoAsync(payload));
    }

    [Fact]
    public async Task DisposeAsync_ClosesEveryConnectionWhateverItsState_AndStopsListening()
    {
        await using var echo = new EchoServer();
        var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
        var clients = new List<ProxyClient>();
        try
        {
            // Given connections that are plain, held by latency, forgotten, mute, and waiting behind a blackhole
            clients.Add(await ProxyClient.ConnectGreetedAsync(proxy.Port));
            clients.Add(await ProxyClient.ConnectGreetedAsync(proxy.Port));
            proxy.SetLatency(ProxyDirection.Upstream, TimeSpan.FromHours(1));
            await clients[^1].SendAsync(Bytes(10));
            clients.Add(await ProxyClient.ConnectGreetedAsync(proxy.Port));
            proxy.ForgetIdleConnections(TimeSpan.FromMilliseconds(1));
            await Task.Delay(50);
            await clients[^1].SendAsync(Bytes(10));
            proxy.NeverGreet();
            clients.Add(await ProxyClient.ConnectAsync(proxy.Port));
            proxy.NeverGreet(false);
            proxy.Blackhole();
            clients.Add(await ProxyClient.ConnectAsync(proxy.Port));
            await WaitUntilAsync(() => proxy.ActiveConnections == 5, "all five connections are in");

            // When the proxy is disposed
            var watch = Stopwatch.StartNew();
            await proxy.DisposeAsync().AsTask().WaitAsync(ProxyClient.Timeout);

            // Then every pump has stopped, every client sees its connection end, and nothing listens any more
            Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
            Assert.Equal(0, proxy.ActiveConnections);
            foreach (var client in clients)
                await client.ReadToEndAsync();
            var refused = await Assert.ThrowsAsync<SocketException>(() => ProxyClient.ConnectAsync(proxy.Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
            await WaitUntilAsync(() => echo.EndedByReset + echo.EndedByClose == 3, "the server's three connections ended");
            await proxy.DisposeAsync();
        }
        finally
        {
            await proxy.DisposeAsync();
            foreach (var client in clients)
                client.Dispose();
        }
    }

    [Fact]
    public async Task Start_ResolvesAHostName_AndDispose_StopsIt()
    {
        await using var echo = new EchoServer();
        var proxy = MySqlFaultProxy.Start("localhost", echo.Port);
        using (var client = await ProxyClient.ConnectGreetedAsync(proxy.Port))
        {
            proxy.Dispose();
            Assert.Equal(ProxyClient.End.Reset, (await client.ReadToEndAsync()).End);
        }
        proxy.Dispose();
        Assert.Equal(0, proxy.ActiveConnections);
    }

    [Fact]
    public async Task RewriteConnectionString_PointsAtTheProxy_AndKeepsTheRest()
    {
        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", 3306);

        var rewritten = new MySqlConnectionStringBuilder(proxy.RewriteConnectionString(
            "Server=db.example.com;Port=3307;Database=shop;User ID=app;Password=secret;Connect Timeout=3;Pooling=false"));

        Assert.Equal("127.0.0.1", rewritten.Server);
        Assert.Equal((uint) proxy.Port, rewritten.Port);
        Assert.Equal("shop", rewritten.Database);
        Assert.Equal("app", rewritten.UserID);
        Assert.Equal("secret", rewritten.Password);
        Assert.Equal(3u, rewritten.ConnectionTimeout);
        Assert.False(rewritten.Pooling);
        Assert.Equal("127.0.0.1", proxy.Host);
        Assert.Equal("127.0.0.1", proxy.UpstreamHost);
        Assert.Equal(3306, proxy.UpstreamPort);
        Assert.StartsWith($"fault proxy 127.0.0.1:{proxy.Port} → 127.0.0.1:3306", proxy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => MySqlFaultProxy.StartAsync(" ", 3306));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => MySqlFaultProxy.StartAsync("127.0.0.1", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MySqlFaultProxy.Start("127.0.0.1", 65536));

        await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", 3306);
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetLatency(0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetLatency((ProxyDirection) 4, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetLatency(ProxyDirection.Both, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetLatency(ProxyDirection.Both, TimeSpan.Zero, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetBandwidth(ProxyDirection.Both, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.CloseAfterBytes(ProxyDirection.Both, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.ForgetIdleConnections(TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => proxy.RewriteConnectionString(null!));
    }

    [Fact]
    public async Task EveryFaultAndDisposal_LeaveNoUnobservedTaskException()
    {
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.ToString().Contains("SqlHelpers.Testing", StringComparison.Ordinal))
            {
                lock (unobserved)
                    unobserved.Add(e.Exception);
            }
        }
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await using (var echo = new EchoServer())
            {
                await using var proxy = await MySqlFaultProxy.StartAsync("127.0.0.1", echo.Port);
                using var plain = await ProxyClient.ConnectGreetedAsync(proxy.Port);
                proxy.SetLatency(ProxyDirection.Both, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10));
                proxy.SetBandwidth(ProxyDirection.Both, 100_000);
                await plain.EchoAsync(Bytes(10_000));
                proxy.Blackhole();
                await plain.SendAsync(Bytes(10));
                using var held = await ProxyClient.ConnectAsync(proxy.Port);
                proxy.Heal();
                await plain.ReadExactlyAsync(10);
                proxy.CloseAfterBytes(ProxyDirection.Downstream, 5);
                await plain.SendAsync(Bytes(10));
                await plain.ReadToEndAsync();
                proxy.Heal();
                proxy.RefuseNewConnections();
                await ConnectAndReadToEndAsync(proxy.Port);
                proxy.Heal();
                echo.ResetAll();
                using var last = await ProxyClient.ConnectGreetedAsync(proxy.Port);
                proxy.ResetAllConnections();
                await last.ReadToEndAsync();
            }
            for (var i = 0; i < 2; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
        Assert.Empty(unobserved);
    }

    private static async Task<ProxyClient.End> ConnectAndReadToEndAsync(int port)
    {
        try
        {
            using var client = await ProxyClient.ConnectAsync(port);
            return (await client.ReadToEndAsync()).End;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
        {
            return ProxyClient.End.Reset;
        }
    }

    private static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > ProxyClient.Timeout)
                Assert.Fail($"Timed out after {ProxyClient.Timeout.TotalSeconds} s waiting until {what}.");
            await Task.Delay(10);
        }
    }
}
