namespace SqlHelpers.Testing.Backends;

/// <summary>One way of getting a server (external, container, local binary): what <see cref="MySqlTestServer"/> delegates to.</summary>
internal interface ITestServerBackend : IAsyncDisposable
{
    MySqlTestServerKind Kind { get; }

    /// <summary>Gets the application user's connection string.</summary>
    string ConnectionString { get; }

    /// <summary>Gets the administrative connection string.</summary>
    string AdminConnectionString { get; }

    /// <summary>Gets the server's version, as <c>SELECT VERSION()</c> returns it.</summary>
    string Version { get; }

    string? CaCertificatePath { get; }

    /// <summary>Gets the server's error log, for a server this process started; otherwise <c>null</c>.</summary>
    string? ErrorLogPath { get; }

    bool CanRestart { get; }

    Task StopAsync(CancellationToken cancellationToken);

    Task StartAgainAsync(CancellationToken cancellationToken);

    /// <summary>Describes the server in one line, never with a password.</summary>
    string Describe();
}
