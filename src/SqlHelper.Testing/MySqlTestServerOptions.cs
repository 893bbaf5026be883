namespace SqlHelpers.Testing;

/// <summary>Options for <see cref="MySqlTestServer.StartAsync"/>. Everything is optional.</summary>
/// <remarks>The database, user and password are created on a server that <see cref="MySqlTestServer"/> starts; an external server must already have them.</remarks>
public sealed class MySqlTestServerOptions
{
    /// <summary>Gets or sets the database created for the tests. The default is <c>sqlhelper</c>.</summary>
    public string DatabaseName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user created for the tests (ALL on <see cref="DatabaseName"/>; no PROCESS or SUPER). The default is <c>sqlhelper</c>.</summary>
    public string UserName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user's password. The default is <c>Sqlh3lper-pw</c>, as in the repository's docker-compose.yml.</summary>
    public string Password { get; set; } = "Sqlh3lper-pw";

    /// <summary>
    /// Gets or sets whether a local server gets a CA and a server certificate for 127.0.0.1, made with openssl at start-up,
    /// so clients can verify it; see <see cref="MySqlTestServer.CaCertificatePath"/>. A container always offers TLS with its own certificate.
    /// </summary>
    public bool EnableTls { get; set; }

    /// <summary>Gets or sets the <c>server_id</c> of a local server. The default is 1.</summary>
    public int ServerId { get; set; } = 1;

    /// <summary>Gets or sets whether a local server writes a row-based binary log (<c>log_bin</c>, <c>binlog_format=ROW</c>), as a replication primary needs.</summary>
    public bool EnableBinaryLog { get; set; }

    /// <summary>Gets or sets extra command-line arguments for a local server (and for the container's mysqld), e.g. <c>--max-allowed-packet=64M</c>.</summary>
    public IReadOnlyList<string> ExtraServerArguments { get; set; } = [];

    /// <summary>Gets or sets how long to wait for a local server to accept connections. The default is 60 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets whether to ignore <c>SQLHELPER_TEST_CONNECTION</c> and Docker and always start a local server: for tests that
    /// stop and restart the server, need TLS with a known CA, or build topologies of several servers.
    /// </summary>
    public bool RequireLocalBinary { get; set; }
}
