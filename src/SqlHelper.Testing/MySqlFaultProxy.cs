using System.Net;
using System.Net.Sockets;
using MySqlConnector;
using SqlHelpers.Testing.Faults;

namespace SqlHelpers.Testing;

/// <summary>
/// A TCP proxy on a loopback port in front of a server (any host and port), for tests of how clients behave when the
/// network misbehaves. Faults in the spirit of Toxiproxy's toxics are switched on and off while it runs: latency with
/// jitter, a bandwidth limit and a close after some bytes (each per <see cref="ProxyDirection"/>), a blackhole, refusing
/// or never greeting new connections, resetting every connection, and forgetting idle connections as a NAT table does.
/// <see cref="Heal"/> clears them all. It runs in-process: no Docker, no external binary.
/// </summary>
/// <remarks>
/// Without faults each connection is two receive/send loops over pooled buffers with Nagle's algorithm off, so the proxy
/// adds little latency. Disposing it stops listening and resets every connection.
/// </remarks>
/// <example>
/// <code>
/// await using var proxy = await MySqlFaultProxy.StartAsync(server.Host, server.Port);
/// await using var connection = new MySqlConnection(proxy.RewriteConnectionString(server.ConnectionString));
/// await connection.OpenAsync();
/// proxy.SetLatency(ProxyDirection.Downstream, TimeSpan.FromMilliseconds(200));
/// </code>
/// </example>
public sealed class MySqlFaultProxy : IAsyncDisposable, IDisposable
{
    private readonly ProxyServer _server;

    private MySqlFaultProxy(string upstreamHost, int upstreamPort, IPAddress[] upstreamAddresses)
    {
        UpstreamHost = upstreamHost;
        UpstreamPort = upstreamPort;
        _server = new ProxyServer(upstreamAddresses, upstreamPort);
    }

    /// <summary>Gets the host the proxy listens on: always <c>127.0.0.1</c>.</summary>
    public string Host => "127.0.0.1";

    /// <summary>Gets the TCP port the proxy listens on, a free one picked when it started.</summary>
    public int Port => _server.Port;

    /// <summary>Gets the host of the server behind the proxy.</summary>
    public string UpstreamHost { get; }

    /// <summary>Gets the TCP port of the server behind the proxy.</summary>
    public int UpstreamPort { get; }

    /// <summary>Gets the number of client connections open through the proxy now, including blackholed, never-greeted and forgotten ones.</summary>
    public int ActiveConnections => _server.ActiveConnections;

    /// <summary>Gets the number of client connections accepted since the proxy started, not counting those refused by <see cref="RefuseNewConnections"/>.</summary>
    public long ConnectionsAccepted => _server.ConnectionsAccepted;

    /// <summary>Gets the number of client connections reset on accept by <see cref="RefuseNewConnections"/> since the proxy started.</summary>
    public long ConnectionsRefused => _server.ConnectionsRefused;

    /// <summary>Gets the number of bytes forwarded from clients to the server since the proxy started.</summary>
    public long BytesUpstream => _server.BytesUpstream;

    /// <summary>Gets the number of bytes forwarded from the server to clients since the proxy started.</summary>
    public long BytesDownstream => _server.BytesDownstream;

    /// <summary>Asynchronously starts a proxy on a free loopback port in front of <paramref name="upstreamHost"/>:<paramref name="upstreamPort"/>.</summary>
    /// <param name="upstreamHost">The server's host name or IP address; a name is resolved once, now.</param>
    /// <param name="upstreamPort">The server's TCP port.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The running proxy, with no faults; dispose it to close every connection.</returns>
    /// <exception cref="ArgumentException"><paramref name="upstreamHost"/> is empty or resolves to no address.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="upstreamPort"/> is not between 1 and 65535.</exception>
    /// <exception cref="SocketException"><paramref name="upstreamHost"/> cannot be resolved, or no loopback port could be bound.</exception>
    public static async Task<MySqlFaultProxy> StartAsync(string upstreamHost, int upstreamPort, CancellationToken cancellationToken = default)
    {
        Validate(upstreamHost, upstreamPort);
        var addresses = IPAddress.TryParse(upstreamHost, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(upstreamHost, cancellationToken).ConfigureAwait(false);
        return new MySqlFaultProxy(upstreamHost, upstreamPort, Resolved(upstreamHost, addresses));
    }

    /// <summary>Starts a proxy on a free loopback port in front of <paramref name="upstreamHost"/>:<paramref name="upstreamPort"/>.</summary>
    /// <param name="upstreamHost">The server's host name or IP address; a name is resolved once, now.</param>
    /// <param name="upstreamPort">The server's TCP port.</param>
    /// <returns>The running proxy, with no faults; dispose it to close every connection.</returns>
    /// <exception cref="ArgumentException"><paramref name="upstreamHost"/> is empty or resolves to no address.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="upstreamPort"/> is not between 1 and 65535.</exception>
    /// <exception cref="SocketException"><paramref name="upstreamHost"/> cannot be resolved, or no loopback port could be bound.</exception>
    public static MySqlFaultProxy Start(string upstreamHost, int upstreamPort)
    {
        Validate(upstreamHost, upstreamPort);
        var addresses = IPAddress.TryParse(upstreamHost, out var address) ? [address] : Dns.GetHostAddresses(upstreamHost);
        return new MySqlFaultProxy(upstreamHost, upstreamPort, Resolved(upstreamHost, addresses));
    }

    /// <summary>Rewrites a MySqlConnector connection string to go through the proxy: <c>Server</c> and <c>Port</c> become <see cref="Host"/> and <see cref="Port"/>; everything else is kept.</summary>
    /// <param name="connectionString">A connection string to the server behind the proxy.</param>
    /// <returns>The same connection string, through the proxy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connectionString"/> is <c>null</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is not a valid MySqlConnector connection string.</exception>
    public string RewriteConnectionString(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return new MySqlConnectionStringBuilder(connectionString) { Server = Host, Port = (uint) Port }.ConnectionString;
    }

    /// <summary>Sets the latency of every chunk of data in <paramref name="direction"/>, on existing and new connections; <see cref="TimeSpan.Zero"/> for none.</summary>
    /// <param name="direction">The direction of the traffic to delay.</param>
    /// <param name="latency">How long each chunk is held after the proxy reads it.</param>
    /// <param name="jitter">The most the latency of a chunk varies, up or down, at random (never below zero). Chunks stay in order.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="direction"/> is not defined, or <paramref name="latency"/> or <paramref name="jitter"/> is negative.</exception>
    public void SetLatency(ProxyDirection direction, TimeSpan latency, TimeSpan jitter = default)
    {
        ValidateDirection(direction);
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, TimeSpan.Zero);
        Update(direction, (faults, _) => faults with { Latency = latency, Jitter = jitter });
    }

    /// <summary>Limits the bandwidth in <paramref name="direction"/> of each connection, existing and new; <c>null</c> for no limit.</summary>
    /// <param name="direction">The direction of the traffic to slow down.</param>
    /// <param name="bytesPerSecond">The most bytes per second each connection forwards in that direction, or <c>null</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="direction"/> is not defined, or <paramref name="bytesPerSecond"/> is not positive.</exception>
    public void SetBandwidth(ProxyDirection direction, long? bytesPerSecond)
    {
        ValidateDirection(direction);
        if (bytesPerSecond is { } rate)
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate, nameof(bytesPerSecond));
        Update(direction, (faults, _) => faults with { BytesPerSecond = bytesPerSecond });
    }

    /// <summary>
    /// Closes each connection (FIN to both ends) once it has forwarded <paramref name="bytes"/> more bytes in
    /// <paramref name="direction"/>, counted per connection from now, or from its start for a new one; <c>null</c> for no limit.
    /// </summary>
    /// <param name="direction">The direction of the traffic to count.</param>
    /// <param name="bytes">How many bytes each connection forwards in that direction before it is closed (0 closes it on its next data), or <c>null</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="direction"/> is not defined, or <paramref name="bytes"/> is negative.</exception>
    public void CloseAfterBytes(ProxyDirection direction, long? bytes)
    {
        ValidateDirection(direction);
        if (bytes is { } limit)
            ArgumentOutOfRangeException.ThrowIfNegative(limit, nameof(bytes));
        Update(direction, (faults, version) => faults with { CloseAfterBytes = bytes, CloseAfterVersion = version });
    }

    /// <summary>
    /// Turns the blackhole on or off. While it is on, connections stay open but nothing is forwarded in either
    /// direction, and new connections are accepted but not connected to the server. Data and ends of stream are held,
    /// not dropped: when it is turned off they flow again, as after a network partition heals.
    /// </summary>
    /// <param name="enabled">Whether to forward nothing.</param>
    public void Blackhole(bool enabled = true) => _server.Faults.Update((faults, _) => faults with { Blackhole = enabled });

    /// <summary>Turns refusing on or off. While it is on, each new connection is reset (RST) as soon as it is accepted; existing ones are untouched.</summary>
    /// <param name="enabled">Whether to refuse new connections.</param>
    public void RefuseNewConnections(bool enabled = true) => _server.Faults.Update((faults, _) => faults with { RefuseNewConnections = enabled });

    /// <summary>
    /// Turns never-greeting on or off. While it is on, each new connection is accepted and kept open, but never
    /// connected to the server, so nothing is ever sent to it (a MySQL client waits for a greeting that never comes).
    /// Such a connection stays mute after this is turned off; it ends when the client closes it, on
    /// <see cref="ResetAllConnections"/> or on disposal. Existing connections are untouched.
    /// </summary>
    /// <param name="enabled">Whether to leave new connections without a server.</param>
    public void NeverGreet(bool enabled = true) => _server.Faults.Update((faults, _) => faults with { NeverGreet = enabled });

    /// <summary>
    /// Forgets connections that have been idle (nothing read in either direction) for longer than
    /// <paramref name="idleTimeout"/>, as a NAT table or firewall drops an idle entry: from the first data after such a
    /// pause on, nothing is forwarded in either direction, and the connection is not closed either. A forgotten
    /// connection stays forgotten after this is turned off or after <see cref="Heal"/>, until <see cref="ResetAllConnections"/> or disposal.
    /// </summary>
    /// <param name="idleTimeout">How long a connection may be idle and still be forwarded, or <c>null</c> to forget none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="idleTimeout"/> is not positive.</exception>
    public void ForgetIdleConnections(TimeSpan? idleTimeout)
    {
        if (idleTimeout is { } timeout)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(idleTimeout));
        _server.Faults.Update((faults, _) => faults with { ForgetIdleAfter = idleTimeout });
    }

    /// <summary>Resets every open connection now: a RST to the client and to the server (linger on with a zero timeout, then close). New connections are not affected.</summary>
    public void ResetAllConnections() => _server.ResetAll();

    /// <summary>Clears every fault: what is held flows again and new connections are forwarded normally. Connections that were never greeted or were forgotten stay so.</summary>
    public void Heal() => _server.Faults.Update((_, _) => FaultSettings.None);

    /// <summary>Describes the proxy and its faults in one line.</summary>
    /// <returns>A description such as <c>fault proxy 127.0.0.1:41235 → 127.0.0.1:3306: downstream latency 200 ms ± 0 ms; blackhole</c>.</returns>
    public override string ToString() =>
        FormattableString.Invariant($"fault proxy {Host}:{Port} → {UpstreamHost}:{UpstreamPort}: {_server.Faults.Current}");

    /// <summary>Asynchronously stops listening, resets every connection and waits (a few seconds at most) for every pump to stop. Safe to call twice.</summary>
    /// <returns>A task that completes when the proxy has stopped.</returns>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Stops listening, resets every connection and waits (a few seconds at most) for every pump to stop. Safe to call twice.</summary>
    public void Dispose() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Update(ProxyDirection direction, Func<DirectionFaults, long, DirectionFaults> change) =>
        _server.Faults.Update((faults, version) => faults with
        {
            Upstream = (direction & ProxyDirection.Upstream) != 0 ? change(faults.Upstream, version) : faults.Upstream,
            Downstream = (direction & ProxyDirection.Downstream) != 0 ? change(faults.Downstream, version) : faults.Downstream,
        });

    private static void Validate(string upstreamHost, int upstreamPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstreamHost);
        ArgumentOutOfRangeException.ThrowIfLessThan(upstreamPort, IPEndPoint.MinPort + 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(upstreamPort, IPEndPoint.MaxPort);
    }

    private static void ValidateDirection(ProxyDirection direction)
    {
        if (direction is not (ProxyDirection.Upstream or ProxyDirection.Downstream or ProxyDirection.Both))
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "The direction must be Upstream, Downstream or Both.");
    }

    private static IPAddress[] Resolved(string upstreamHost, IPAddress[] addresses) =>
        addresses.Length > 0 ? addresses : throw new ArgumentException($"The host '{upstreamHost}' resolves to no address.", nameof(upstreamHost));
}
