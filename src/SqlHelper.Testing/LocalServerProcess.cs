using System.Diagnostics;
using MySqlConnector;

namespace SqlHelpers.Testing;

/// <summary>
/// A private <c>mariadbd</c>/<c>mysqld</c>: a fresh data directory under the temp folder, a free loopback port, its own
/// socket, started and stopped by this object and deleted on dispose. The process is killed if the test run exits first.
/// </summary>
internal sealed class LocalServerProcess : IAsyncDisposable
{
    private readonly string _serverBinary;
    private readonly List<string> _arguments;
    private readonly TimeSpan _startTimeout;
    private Process? _process;

    private LocalServerProcess(string serverBinary, string directory, int port, List<string> arguments, TimeSpan startTimeout)
    {
        _serverBinary = serverBinary;
        Directory = directory;
        Port = port;
        _arguments = arguments;
        _startTimeout = startTimeout;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillNow();
    }

    public string Directory { get; }

    public int Port { get; }

    public string SocketPath => Path.Combine(Directory, "mysqld.sock");

    public string Version { get; private set; } = "";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Gets a root connection string over the Unix socket (root has no password and may log in only locally).</summary>
    public string RootConnectionString => new MySqlConnectionStringBuilder { Server = SocketPath, ConnectionProtocol = MySqlConnectionProtocol.UnixSocket, UserID = "root", Pooling = false }.ConnectionString;

    public static string? FindServerBinary() => ProcessRunner.Find("mariadbd", "mysqld");

    public static async Task<LocalServerProcess> CreateAsync(string serverBinary, MySqlTestServerOptions options, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sqlhelper-mysqld-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            var dataDirectory = Path.Combine(directory, "data");
            await InitializeDataDirectoryAsync(serverBinary, dataDirectory, cancellationToken).ConfigureAwait(false);
            var port = FreePort.Find();
            var arguments = new List<string>
            {
                "--no-defaults", $"--datadir={dataDirectory}", $"--port={port}", "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(directory, "mysqld.sock")}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}",
                $"--log-error={Path.Combine(directory, "error.log")}", "--skip-name-resolve", "--innodb-buffer-pool-size=64M",
                "--max-connections=500", $"--server-id={options.ServerId}",
            };
            if (IsRoot)
                arguments.Add("--user=root");
            if (options.EnableBinaryLog)
                arguments.AddRange([$"--log-bin={Path.Combine(directory, "binlog")}", "--binlog-format=ROW"]);
            if (options.EnableTls)
            {
                var tls = await TlsCertificates.CreateAsync(directory, cancellationToken).ConfigureAwait(false);
                arguments.AddRange([$"--ssl-ca={tls.CaCertificate}", $"--ssl-cert={tls.ServerCertificate}", $"--ssl-key={tls.ServerKey}"]);
            }
            arguments.AddRange(options.ExtraServerArguments);
            var server = new LocalServerProcess(serverBinary, directory, port, arguments, options.StartTimeout);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
            return;
        var start = new ProcessStartInfo(_serverBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in _arguments)
            start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_serverBinary}.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Path.GetFileName(_serverBinary)} exited with code {_process.ExitCode} while starting. Its log ends with:\n{ErrorLogTail()}");
            try
            {
                await using var connection = new MySqlConnection(RootConnectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                Version = connection.ServerVersion;
                return;
            }
            catch (MySqlException) when (deadline.Elapsed < _startTimeout)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException ex)
            {
                KillNow();
                throw new TimeoutException($"{Path.GetFileName(_serverBinary)} did not accept connections within {_startTimeout.TotalSeconds:0} s ({ex.Message}). Its log ends with:\n{ErrorLogTail()}");
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
            return;
        try
        {
            await using var connection = new MySqlConnection(RootConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SHUTDOWN", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            process.Kill();
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            KillNow();
            _process?.Dispose();
            TryDelete(Directory);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static async Task InitializeDataDirectoryAsync(string serverBinary, string dataDirectory, CancellationToken cancellationToken)
    {
        (int ExitCode, string Output) result;
        if (Path.GetFileName(serverBinary) == "mariadbd" || ProcessRunner.Find("mariadb-install-db") is not null)
        {
            var installer = ProcessRunner.Find("mariadb-install-db", "mysql_install_db")
                ?? throw new InvalidOperationException("Found mariadbd but not mariadb-install-db to initialise a data directory.");
            List<string> arguments = ["--no-defaults", $"--datadir={dataDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db"];
            if (IsRoot)
                arguments.Add("--user=root");
            result = await ProcessRunner.RunAsync(installer, arguments, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            List<string> arguments = ["--no-defaults", "--initialize-insecure", $"--datadir={dataDirectory}"];
            if (IsRoot)
                arguments.Add("--user=root");
            result = await ProcessRunner.RunAsync(serverBinary, arguments, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        }
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"Initialising a data directory for {Path.GetFileName(serverBinary)} failed ({result.ExitCode}):\n{result.Output}");
    }

    private string ErrorLogTail()
    {
        var log = Path.Combine(Directory, "error.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no error log)";
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } process)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory))
                System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
