using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace SqlHelpers.Testing.Local;

/// <summary>
/// A tiny detached <c>sh</c> loop per server start that covers a hard kill of the test process (a hang timeout that kills
/// the process tree, SIGKILL), where no .NET code runs. Once the test process is gone it stops the server (SIGTERM, then
/// SIGKILL) and deletes the server's folder and the data directory templates it was made from. It runs in its own session, outside the
/// test process's tree and group, so the kill that ends the test process does not end it. Before signalling it checks
/// that the server's command line names the folder, so a reused process id is never hit. While the test process lives
/// it only watches, and it exits by itself within a second of the server stopping. Linux only.
/// </summary>
internal static class ServerWatchdog
{
    private const string Script = """
        parent=$1; server=$2; dir=$3; shift 3
        ours() { grep -qaF -- "--datadir=$dir/" "/proc/$server/cmdline" 2>/dev/null; }
        while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
        kill -0 "$parent" 2>/dev/null && exit 0
        if ours; then
          kill -TERM "$server" 2>/dev/null
          i=0
          while [ "$i" -lt 10 ] && ours; do sleep 1; i=$((i + 1)); done
          ours && kill -KILL "$server" 2>/dev/null
        fi
        rm -rf -- "$dir"
        for template in "$@"; do [ -n "$template" ] && rm -rf -- "$template"; done
        exit 0
        """;

    // Starts the script in the background, in a new session when setsid exists, and returns at once.
    private const string Launcher = """
        script=$1; shift
        if command -v setsid >/dev/null 2>&1; then
          setsid /bin/sh -c "$script" sqlhelper-watchdog "$@" </dev/null >/dev/null 2>&1 &
        else
          /bin/sh -c "$script" sqlhelper-watchdog "$@" </dev/null >/dev/null 2>&1 &
        fi
        """;

    /// <summary>
    /// Starts a watchdog that only deletes <paramref name="folder"/> (a data directory template) once the test process is
    /// gone. The exit handlers delete templates too, but the test host can be killed while they run, or after every
    /// server's own watchdog has ended.
    /// </summary>
    /// <param name="folder">The folder to delete.</param>
    public static Task WatchFolderAsync(string folder) =>
        StartAsync(Environment.ProcessId, folder, []);   // "the server" is the test process itself: nothing to stop, only the folder to delete

    /// <summary>Starts the watchdog of one server process.</summary>
    /// <param name="serverProcessId">The server's process id.</param>
    /// <param name="directory">The server's folder, deleted once the test process is gone.</param>
    /// <param name="templateDirectories">The templates its data directory came from, deleted with it (they belong to the test process too).</param>
    public static async Task StartAsync(int serverProcessId, string directory, IReadOnlyList<string> templateDirectories)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/sh"))
            return;
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments =
        [
            "-c", Launcher, "sqlhelper-watchdog-launcher", Script,
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), serverProcessId.ToString(CultureInfo.InvariantCulture),
            directory, .. templateDirectories,
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            using var launcher = Process.Start(start);
            if (launcher is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await launcher.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is Win32Exception or OperationCanceledException)
        {
            // without a watchdog the exit handler still stops the server on any exit but a hard kill
        }
    }
}
