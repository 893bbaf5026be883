using System.Globalization;

namespace SqlHelpers.Testing.Local;

/// <summary>The command line of a private local server: its own files in one folder, loopback only, no option files read.</summary>
internal static class ServerArguments
{
    /// <summary>Builds the command line.</summary>
    /// <param name="binary">The server binary.</param>
    /// <param name="directory">The server's folder (socket, pid file, error log).</param>
    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="options">Server id, binary log and extra arguments.</param>
    /// <param name="tls">The TLS arguments, or none.</param>
    /// <param name="bindAddress">The loopback address to listen on.</param>
    /// <param name="rootRunsAs">The account the server switches to when the test process is root: <c>root</c> for a single
    /// server; <c>mysql</c> for a Galera node, whose rsync state transfer fails as root (its folder must then belong to that account).</param>
    public static List<string> Build(ServerBinary binary, string directory, string dataDirectory, int port, MySqlTestServerOptions options, List<string> tls,
        string bindAddress = "127.0.0.1", string rootRunsAs = "root")
    {
        // --no-defaults must come first.
        var socket = SocketPath(directory);
        List<string> arguments =
        [
            "--no-defaults", $"--datadir={dataDirectory}", $"--port={port.ToString(CultureInfo.InvariantCulture)}", $"--bind-address={bindAddress}",
            $"--socket={socket}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}", $"--log-error={Path.Combine(directory, "error.log")}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--max-connections=500",
            $"--server-id={options.ServerId.ToString(CultureInfo.InvariantCulture)}",
        ];
        if (LocalServerProcess.RunsAsRoot)
            arguments.Add($"--user={rootRunsAs}");
        if (!binary.IsMariaDb)
            arguments.Add("--mysqlx=OFF");
        if (options.EnableBinaryLog)
            arguments.AddRange([$"--log-bin={Path.Combine(directory, "binlog")}", "--binlog-format=ROW"]);
        else if (!binary.IsMariaDb)
            arguments.Add("--skip-log-bin");   // MySQL 8 writes a binary log unless told not to
        arguments.AddRange(tls);
        arguments.AddRange(options.ExtraServerArguments);
        return arguments;
    }

    /// <summary>Puts the socket in the server's folder unless that path is too long for a Unix socket (about 107 bytes).</summary>
    public static string SocketPath(string directory)
    {
        var socket = Path.Combine(directory, "mysqld.sock");
        return System.Text.Encoding.UTF8.GetByteCount(socket) <= 100 ? socket : Path.Combine("/tmp", Path.GetFileName(directory) + ".sock");
    }
}
