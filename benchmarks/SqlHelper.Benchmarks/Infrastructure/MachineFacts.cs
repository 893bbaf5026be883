using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using MySqlConnector;

namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>What a reader needs to judge a result: the machine, the runtime, the packages, the server.</summary>
internal static class MachineFacts
{
    public static async Task<string> DescribeAsync(BenchmarkDatabase database, string? sysbenchVersion)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"- date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores; memory {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):F0} GiB; load average at start {LoadAverage()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        text.AppendLine(CultureInfo.InvariantCulture, $"- runtime: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : " (concurrent)")}, tiered PGO on");
        text.AppendLine(CultureInfo.InvariantCulture, $"- packages: MySqlConnector {VersionOf(typeof(MySqlConnection))}, Dapper {VersionOf(typeof(Dapper.SqlMapper))}, SqlHelper {VersionOf(typeof(SqlHelper))}; repository HEAD at run time{GitCommit()}");
        try
        {
            await using var connection = new MySqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT VERSION(), @@max_connections, @@thread_handling, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var ssl = reader.IsDBNull(3) || reader.GetString(3).Length == 0 ? "off" : reader.GetString(3);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- server: {reader.GetString(0)} at {database.Builder.Server}:{database.Builder.Port} (same machine, TCP), max_connections {reader.GetValue(1)}, thread_handling {reader.GetValue(2)}, TLS {ssl}; from {database.Source}");
        }
        catch (MySqlException ex)
        {
            // MySQL 8 has no information_schema.SESSION_STATUS; the version alone is enough there.
            await using var connection = new MySqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            text.AppendLine(CultureInfo.InvariantCulture, $"- server: {connection.ServerVersion} at {database.Builder.Server}:{database.Builder.Port} (same machine, TCP); from {database.Source} ({ex.Message})");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"- sysbench: {sysbenchVersion ?? "not found on PATH (rows left out)"}");
        return text.ToString();
    }

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(static l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (git is null)
                return " unknown";
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && commit.Length > 0 ? $" {commit}" : " unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return " unknown";
        }
    }
}
