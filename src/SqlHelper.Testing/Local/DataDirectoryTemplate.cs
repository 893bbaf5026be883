using System.Globalization;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Local;

/// <summary>
/// Fresh data directories for local servers. The first one a process needs is initialised (mariadb-install-db, or
/// mysqld --initialize-insecure) into a template; every server then gets a copy, which takes a fraction of a second
/// instead of seconds. The template is deleted when the process exits, or by its own watchdog and the servers' when it
/// is killed; one left all the same is deleted by the next process that makes one.
/// </summary>
internal static class DataDirectoryTemplate
{
    private const string Prefix = "sqlhelper-mysqld-template-";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, string> Templates = new(StringComparer.Ordinal);

    static DataDirectoryTemplate() => AppDomain.CurrentDomain.ProcessExit += static (_, _) => DeleteAll();

    /// <summary>Creates <paramref name="dataDirectory"/> as a freshly initialised, never started data directory.</summary>
    /// <returns>The template it was copied from.</returns>
    public static async Task<string> CreateAsync(ServerBinary binary, string dataDirectory, CancellationToken cancellationToken)
    {
        var template = await GetTemplateAsync(binary, cancellationToken).ConfigureAwait(false);
        Copy(template, dataDirectory);
        File.Delete(Path.Combine(dataDirectory, "auto.cnf"));   // MySQL: every server makes its own server_uuid
        return template;
    }

    /// <summary>Gets a new path for a template of another kind (<paramref name="kind"/>, e.g. <c>galera</c>), named like these so that a
    /// later process deletes it when this one was killed before its exit handler ran.</summary>
    public static string NewTemplatePath(string kind) =>
        Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + kind + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Copies a folder and everything in it.</summary>
    public static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(source))
            Copy(directory, Path.Combine(target, Path.GetFileName(directory)));
    }

    private static async Task<string> GetTemplateAsync(ServerBinary binary, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Templates.TryGetValue(binary.Path, out var existing) && Directory.Exists(existing))
                return existing;
            DeleteLeftovers();
            var template = Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
            await InitializeAsync(binary, template, cancellationToken).ConfigureAwait(false);
            await ServerWatchdog.WatchFolderAsync(template).ConfigureAwait(false);
            Templates[binary.Path] = template;
            return template;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task InitializeAsync(ServerBinary binary, string dataDirectory, CancellationToken cancellationToken)
    {
        string program;
        List<string> arguments;
        if (binary.IsMariaDb)
        {
            var binaryFolder = Path.GetDirectoryName(binary.Path) ?? "";
            program = ProcessRunner.Find("mariadb-install-db", "mysql_install_db")
                ?? new[] { Path.Combine(binaryFolder, "mariadb-install-db"), Path.Combine(binaryFolder, "..", "scripts", "mariadb-install-db") }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException($"Found {binary.Path} but not mariadb-install-db to initialise a data directory. Install the whole mariadb-server package (apt-get install -y mariadb-server).");
            arguments = ["--no-defaults", $"--datadir={dataDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db"];
        }
        else
        {
            program = binary.Path;
            arguments = ["--no-defaults", "--initialize-insecure", $"--datadir={dataDirectory}"];
        }
        if (LocalServerProcess.RunsAsRoot)
            arguments.Add("--user=root");

        // One retry: on a loaded machine the bootstrap has been seen to fail once and succeed the next time.
        for (var attempt = 1; ; attempt++)
        {
            var (exitCode, output) = await ProcessRunner.RunAsync(program, arguments, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            if (exitCode == 0)
                return;
            Folders.TryDelete(dataDirectory);
            if (attempt == 2)
                throw new InvalidOperationException($"Initialising a data directory with {Path.GetFileName(program)} failed with exit code {exitCode}. Its output ends with:\n{Tail(output)}");
        }
    }

    private static void DeleteAll()
    {
        foreach (var template in Templates.Values)
            Folders.TryDelete(template);
    }

    /// <summary>Deletes templates whose process is gone (it was killed before its exit handler ran).</summary>
    private static void DeleteLeftovers()
    {
        if (!OperatingSystem.IsLinux())
            return;
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var pid = Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out _) && !Directory.Exists("/proc/" + pid))
                Folders.TryDelete(directory);
        }
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));
}
