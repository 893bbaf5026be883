using MySqlConnector;
using SqlHelpers.Testing.Utilities;
using Testcontainers.MySql;

namespace SqlHelpers.Testing.Backends;

/// <summary>
/// A <c>mysql:8.4</c> container started through Testcontainers. The image's entrypoint creates the database and the
/// application user with ALL on that database only; root gets the same password and is the administrative user.
/// </summary>
internal sealed class ContainerServer : ITestServerBackend
{
    private readonly MySqlContainer _container;

    private ContainerServer(MySqlContainer container, string connectionString, string adminConnectionString, string version)
    {
        _container = container;
        ConnectionString = connectionString;
        AdminConnectionString = adminConnectionString;
        Version = version;
    }

    public MySqlTestServerKind Kind => MySqlTestServerKind.Container;

    public string ConnectionString { get; }

    public string AdminConnectionString { get; }

    public string Version { get; }

    public string? CaCertificatePath => null;

    public string? ErrorLogPath => null;

    public bool CanRestart => false;

    public static async Task<ContainerServer> StartAsync(MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var container = new MySqlBuilder(MySqlTestServer.ContainerImage)
            .WithDatabase(options.DatabaseName)
            .WithUsername(options.UserName)
            .WithPassword(options.Password)
            .WithCommand(["--max-connections=500", "--local-infile=1", .. options.ExtraServerArguments])
            .Build();
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
            var app = new MySqlConnectionStringBuilder
            {
                Server = container.Hostname,
                Port = container.GetMappedPublicPort(MySqlBuilder.MySqlPort),
                Database = options.DatabaseName,
                UserID = options.UserName,
                Password = options.Password,
            };
            var admin = new MySqlConnectionStringBuilder(app.ConnectionString) { UserID = "root" };
            var version = await ServerQuery.VersionAsync(admin.ConnectionString, cancellationToken).ConfigureAwait(false);
            return new ContainerServer(container, app.ConnectionString, admin.ConnectionString, version);
        }
        catch
        {
            await container.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task StartAgainAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public string Describe()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        return $"{MySqlTestServer.ContainerImage} container (MySQL {Version}) on {builder.Server}:{builder.Port}, database {builder.Database}";
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
