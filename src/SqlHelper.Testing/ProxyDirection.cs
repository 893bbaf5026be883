namespace SqlHelpers.Testing;

/// <summary>The direction of the traffic through a <see cref="MySqlFaultProxy"/> that a fault applies to.</summary>
public enum ProxyDirection
{
    /// <summary>From the client to the server: handshake responses, queries, <c>COM_QUIT</c>.</summary>
    Upstream = 1,

    /// <summary>From the server to the client: the greeting, results, errors.</summary>
    Downstream = 2,

    /// <summary>Both directions.</summary>
    Both = Upstream | Downstream,
}
