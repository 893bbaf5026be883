using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Local;

/// <summary>
/// A private <c>mariadbd</c>/<c>mysqld</c> process: its own folder under the temp directory (data, socket, pid file, error
/// log, certificates), a free loopback port, started and stopped by this object and deleted on dispose. It never
/// outlives the test process: an exit handler kills it, and a <see cref="ServerWatchdog"/> covers a hard kill.
/// </summary>
internal sealed class LocalServerProcess : IAsyncDisposable
{
    private const int MaxPortAttempts = 3;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DisposeGrace = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<LocalServerProcess, bool> Live = new();

    private readonly IReadOnlyList<string> _arguments;
    private readonly TimeSpan _startTimeout;
    private readonly IReadOnlyList<string> _templateDirectories;
    private Process? _process;
    private ServerOutput _output;
    private bool _disposed;

    static LocalServerProcess() => AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
    {
        foreach (var server in Live.Keys)
            server.KillAndDelete();
    };

    private LocalServerProcess(ServerBinary binary, string directory, IReadOnlyList<string> templateDirectories, string bindAddress, int port,
        IReadOnlyList<string> arguments, TimeSpan startTimeout, string? caCertificatePath)
    {
        _templateDirectories = templateDirectories;
        Binary = binary;
        Directory = directory;
        BindAddress = bindAddress;
        Port = port;
        _arguments = arguments;
        _startTimeout = startTimeout;
        CaCertificatePath = caCertificatePath;
        _output = new ServerOutput(ErrorLogPath);
        Live[this] = true;
    }

    /// <summary>Gets whether this process runs as root (mariadbd then needs <c>--user=root</c>).</summary>
    public static bool RunsAsRoot => Environment.IsPrivilegedProcess;

    public ServerBinary Binary { get; }

    public string Directory { get; }

    /// <summary>Gets the loopback address the server listens on (<c>127.0.0.1</c>, or <c>127.0.0.</c><i>n</i> for a cluster node).</summary>
    public string BindAddress { get; }

    public int Port { get; }

    public string? CaCertificatePath { get; }

    /// <summary>Gets the server's version, e.g. <c>10.11.6-MariaDB-0+deb12u1</c>, once it has started.</summary>
    public string Version { get; private set; } = "";

    public bool IsRunning => !_disposed && _process is { HasExited: false };

    public string ErrorLogPath => Path.Combine(Directory, "error.log");

    /// <summary>Gets a root connection string over the Unix socket (root has no password and may log in only locally).</summary>
    public string RootConnectionString => new MySqlConnectionStringBuilder
    {
        Server = SocketPath,
        ConnectionProtocol = MySqlConnectionProtocol.UnixSocket,
        UserID = "root",
        Pooling = false,
        ConnectionTimeout = 5,
    }.ConnectionString;

    private string SocketPath => ServerArguments.SocketPath(Directory);

    /// <summary>Makes a folder with a fresh data directory and starts a server on a free port in it.</summary>
    public static async Task<LocalServerProcess> StartNewAsync(ServerBinary binary, MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sqlhelper-mysqld-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        LocalServerProcess? server = null;
        try
        {
            var dataDirectory = Path.Combine(directory, "data");
            var template = await DataDirectoryTemplate.CreateAsync(binary, dataDirectory, cancellationToken).ConfigureAwait(false);
            string? caCertificate = null;
            List<string> tls = [];
            if (options.EnableTls)
            {
                var files = await TlsCertificateGenerator.CreateAsync(directory, cancellationToken).ConfigureAwait(false);
                caCertificate = files.CaCertificate;
                tls = [$"--ssl-ca={files.CaCertificate}", $"--ssl-cert={files.ServerCertificate}", $"--ssl-key={files.ServerKey}"];
            }
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort.Find();
                server = new LocalServerProcess(binary, directory, [template], "127.0.0.1", port, ServerArguments.Build(binary, directory, dataDirectory, port, options, tls), options.StartTimeout, caCertificate);
                try
                {
                    await server.StartAsync(cancellationToken).ConfigureAwait(false);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < MaxPortAttempts && server.LostPortRace())
                {
                    // Another process took the port between FreePort.Find and the server's bind: try another one.
                    server.Abandon();
                    server = null;
                }
            }
        }
        catch
        {
            if (server is not null)
                await server.DisposeAsync().ConfigureAwait(false);
            Folders.TryDelete(directory);
            throw;
        }
    }

    /// <summary>
    /// Makes a server in a folder that the caller has prepared (a data directory in it, owned by the account the server
    /// runs as), without starting it: for topologies whose servers need more than <see cref="StartNewAsync"/> sets up.
    /// </summary>
    /// <param name="binary">The server binary.</param>
    /// <param name="directory">The server's folder, deleted on dispose.</param>
    /// <param name="templateDirectories">The templates its data came from, which its watchdog deletes with it after a hard kill.</param>
    /// <param name="bindAddress">The loopback address it listens on.</param>
    /// <param name="port">Its TCP port.</param>
    /// <param name="arguments">Its whole command line (see <see cref="ServerArguments.Build"/>).</param>
    /// <param name="startTimeout">How long a start may take.</param>
    public static LocalServerProcess Create(ServerBinary binary, string directory, IReadOnlyList<string> templateDirectories, string bindAddress, int port,
        IReadOnlyList<string> arguments, TimeSpan startTimeout) =>
        new(binary, directory, templateDirectories, bindAddress, port, arguments, startTimeout, caCertificatePath: null);

    /// <summary>Starts the server (again) with the same port, data directory and arguments, and waits until it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">The server exited while starting; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The server did not accept connections within the start timeout.</exception>
    public Task StartAsync(CancellationToken cancellationToken) => StartAsync([], cancellationToken);

    /// <summary>Starts the server (again) like <see cref="StartAsync(CancellationToken)"/>, with <paramref name="extraArguments"/> added for this start only.</summary>
    /// <exception cref="InvalidOperationException">The server exited while starting; the message ends with its error log.</exception>
    /// <exception cref="TimeoutException">The server did not accept connections within the start timeout.</exception>
    public async Task StartAsync(IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
            return;
        _process?.Dispose();
        _output = new ServerOutput(ErrorLogPath);
        var start = new ProcessStartInfo(Binary.Path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in _arguments.Concat(extraArguments))
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Binary.Path}.");
        _process = process;
        process.OutputDataReceived += _output.Remember;
        process.ErrorDataReceived += _output.Remember;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ServerWatchdog.StartAsync(process.Id, Directory, _templateDirectories).ConfigureAwait(false);
        try
        {
            await WaitUntilReadyAsync(process, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>Stops the server gracefully (SHUTDOWN, else SIGTERM), waits for it to exit and keeps its data.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => StopAsync(StopGrace, cancellationToken);

    /// <summary>Kills the server outright (SIGKILL, with any child process such as a state transfer script), waits for it to exit and keeps its data.</summary>
    /// <exception cref="TimeoutException">The process was still there 30 s after SIGKILL.</exception>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
            return;
        Kill(process);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(StopGrace);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Binary.Name} (process {process.Id}) on {BindAddress}:{Port} was still there {StopGrace.TotalSeconds:0} s after SIGKILL.");
        }
    }

    /// <summary>
    /// Runs the server binary to completion with this server's command line and <paramref name="extraArguments"/> (which
    /// win over it), e.g. <c>--wsrep-recover</c>; the server must not be running.
    /// </summary>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/>; it has been killed.</exception>
    public Task<(int ExitCode, string Output)> RunToCompletionAsync(IReadOnlyList<string> extraArguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(Binary.Path, _arguments.Concat(extraArguments), timeout, cancellationToken);

    /// <summary>Gets a sentence and the last lines of the server's error log, for an exception message.</summary>
    public string DescribeErrorLog() => _output.Tail();

    /// <summary>Gets whether the last start failed because another process took the port first.</summary>
    public bool LostPortRace() =>
        File.Exists(ErrorLogPath) && File.ReadAllText(ErrorLogPath).Contains("Address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs statements as root over the socket.</summary>
    public Task ExecuteAsRootAsync(IEnumerable<string> statements, CancellationToken cancellationToken) =>
        ServerQuery.ExecuteAsync(RootConnectionString, statements, cancellationToken);

    /// <summary>Stops the server (killing it if it does not stop within a few seconds) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            await StopAsync(DisposeGrace, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            KillAndDelete();
            _process?.Dispose();
            Live.TryRemove(this, out _);
        }
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{Binary.Name} exited with code {process.ExitCode} while starting on {BindAddress}:{Port}. {_output.Tail()}");
            }
            if (clock.Elapsed > _startTimeout)
            {
                throw new TimeoutException(
                    $"{Binary.Name} did not accept connections on {BindAddress}:{Port} within {_startTimeout.TotalSeconds:0.###} s (last error: {lastError?.Message ?? "none"}). " +
                    $"On a slow machine raise MySqlTestServerOptions.StartTimeout. {_output.Tail()}");
            }
            try
            {
                Version = await ServerQuery.VersionAsync(RootConnectionString, cancellationToken).ConfigureAwait(false);
                await ProbeTcpAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is MySqlException or SocketException or IOException or TimeoutException ||
                                       (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                lastError = ex;
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ProbeTcpAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(BindAddress), Port, timeout.Token).ConfigureAwait(false);
    }

    private async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
            return;
        try
        {
            await ExecuteAsRootAsync(["SHUTDOWN"], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or SocketException or IOException)
        {
            await TerminateAsync(process).ConfigureAwait(false);
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(grace);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sends SIGTERM, which both servers treat as a clean shutdown (.NET itself can only SIGKILL).</summary>
    private static async Task TerminateAsync(Process process)
    {
        try
        {
            if (ProcessRunner.Find("kill") is { } kill)
                await ProcessRunner.RunAsync(kill, ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            else
                Kill(process);
        }
        catch (Exception ex) when (ex is TimeoutException or Win32Exception)
        {
            Kill(process);
        }
    }

    /// <summary>Forgets a server whose start failed, keeping its folder for the next attempt.</summary>
    private void Abandon()
    {
        Live.TryRemove(this, out _);
        _process?.Dispose();
        File.Delete(ErrorLogPath);
    }

    private void KillAndDelete()
    {
        if (_process is { } process)
        {
            Kill(process);
            try
            {
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (InvalidOperationException)
            {
                // never started
            }
        }
        Folders.TryDelete(Directory);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // already gone
        }
    }
}
