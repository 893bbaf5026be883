namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>Starts a server for a run that was given none.</summary>
internal sealed class ThrowawayServer : IAsyncDisposable
{
    private ThrowawayServer(string connectionString, string description)
    {
        ConnectionString = connectionString;
        Description = description;
    }

    public string ConnectionString { get; }

    public string Description { get; }

    public static Task<ThrowawayServer> StartAsync() =>
        throw new InvalidOperationException(
            $"No server given: pass --connection \"<connection string>\" or set {BenchmarkDatabase.EnvironmentVariable}.");

    public ValueTask DisposeAsync() => default;
}
