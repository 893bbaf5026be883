using SqlHelpers.Testing;

namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>
/// The server of a run that was given none: whatever <see cref="MySqlTestServer"/> finds or starts (the tests' server
/// named by <c>SQLHELPER_TEST_CONNECTION</c>, a container, or a private local mariadbd/mysqld), stopped when disposed.
/// </summary>
internal sealed class ThrowawayServer : IAsyncDisposable
{
    private readonly MySqlTestServer _server;

    private ThrowawayServer(MySqlTestServer server) => _server = server;

    public string ConnectionString => _server.ConnectionString;

    public string Description => "MySqlTestServer: " + _server.Describe();

    public static async Task<ThrowawayServer> StartAsync() => new(await MySqlTestServer.StartAsync());

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
