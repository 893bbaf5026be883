using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MySqlConnector;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// sysbench's <c>oltp_point_select</c> as the C-client reference: TCP to the same server (never a socket),
/// <c>--db-ps-mode=disable</c> (text protocol, as MySqlConnector sends it), uniform random ids, one table of 10,000 rows.
/// </summary>
internal sealed partial class SysbenchTool
{
    private readonly string _path;
    private readonly MySqlConnectionStringBuilder _builder;

    private SysbenchTool(string path, string version, MySqlConnectionStringBuilder builder)
    {
        _path = path;
        Version = version;
        _builder = builder;
    }

    /// <summary>Gets what <c>sysbench --version</c> printed.</summary>
    public string Version { get; }

    /// <summary>Finds sysbench on PATH; returns <c>null</c> when it is not installed.</summary>
    public static async Task<SysbenchTool?> FindAsync(string connectionString)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(static directory => Path.Combine(directory, "sysbench"))
            .FirstOrDefault(File.Exists);
        if (path is null)
            return null;
        var (exitCode, output) = await RunProcessAsync(path, ["--version"]);
        return exitCode == 0 ? new SysbenchTool(path, output.Trim(), new MySqlConnectionStringBuilder(connectionString)) : null;
    }

    /// <summary>Creates and fills <c>sbtest1</c> the way sysbench does.</summary>
    public async Task PrepareAsync()
    {
        var (exitCode, output) = await RunProcessAsync(_path, [.. CommonArguments(threads: 1), "prepare"]);
        if (exitCode != 0)
            throw new InvalidOperationException($"sysbench prepare failed (exit code {exitCode}):\n{output}");
    }

    /// <summary>Runs the point-select workload for <paramref name="seconds"/> on <paramref name="threads"/> threads; returns queries per second.</summary>
    public async Task<double> RunAsync(int threads, int seconds)
    {
        var (exitCode, output) = await RunProcessAsync(_path, [.. CommonArguments(threads), $"--time={seconds}", "--events=0", "--report-interval=0", "run"]);
        var match = QueriesPerSecond().Match(output);
        if (exitCode != 0 || !match.Success)
            throw new InvalidOperationException($"sysbench run failed (exit code {exitCode}):\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The command line of a run, password masked, for the report.</summary>
    public string Describe(int threads, int seconds) =>
        "sysbench " + string.Join(' ', CommonArguments(threads).Select(static a => a.StartsWith("--mysql-password=", StringComparison.Ordinal) ? "--mysql-password=***" : a))
        + $" --time={seconds} run";

    private string[] CommonArguments(int threads)
    {
        // "localhost" would make the MySQL client use the Unix socket; the comparison is over TCP.
        var host = string.Equals(_builder.Server, "localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" : _builder.Server;
        return
        [
            "oltp_point_select",
            "--db-driver=mysql",
            $"--mysql-host={host}",
            $"--mysql-port={_builder.Port.ToString(CultureInfo.InvariantCulture)}",
            $"--mysql-user={_builder.UserID}",
            $"--mysql-password={_builder.Password}",
            $"--mysql-db={_builder.Database}",
            "--mysql-ssl=off",
            "--db-ps-mode=disable",
            "--tables=1",
            $"--table-size={Workload.Rows.ToString(CultureInfo.InvariantCulture)}",
            "--rand-type=uniform",
            $"--threads={threads.ToString(CultureInfo.InvariantCulture)}",
        ];
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string path, string[] arguments)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"queries:\s+\d+\s+\(([\d.]+) per sec\.\)")]
    private static partial Regex QueriesPerSecond();
}
