namespace SqlHelpers.Testing;

/// <summary>Options for <see cref="MySqlTestServer.StartAsync"/>. Everything is optional.</summary>
public sealed class MySqlTestServerOptions
{
    /// <summary>Gets or sets the database created for the tests. The default is <c>sqlhelper</c>.</summary>
    public string DatabaseName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user created for the tests (no PROCESS or SUPER privilege). The default is <c>sqlhelper</c>.</summary>
    public string UserName { get; set; } = "sqlhelper";

    /// <summary>Gets or sets the application user's password.</summary>
    public string Password { get; set; } = "Sqlh3lper-pw";

    /// <summary>Gets or sets whether a local server is started with a certificate made at start-up (openssl); see <see cref="MySqlTestServer.CaCertificatePath"/>.</summary>
    public bool EnableTls { get; set; }

    /// <summary>Gets or sets the <c>server_id</c> of a local server. The default is 1.</summary>
    public int ServerId { get; set; } = 1;

    /// <summary>Gets or sets whether a local server writes a row-based binary log (needed to be a replication primary).</summary>
    public bool EnableBinaryLog { get; set; }

    /// <summary>Gets or sets extra command-line arguments for a local server.</summary>
    public IReadOnlyList<string> ExtraServerArguments { get; set; } = [];

    /// <summary>Gets or sets how long to wait for a server to accept connections. The default is 60 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets whether to ignore <c>SQLHELPER_TEST_CONNECTION</c> and Docker and always start a local server (for topologies of several servers).</summary>
    public bool RequireLocalBinary { get; set; }
}
