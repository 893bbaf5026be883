using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Local;

/// <summary>An installed <c>mariadbd</c> or <c>mysqld</c>, and which of the two it really is (Debian's <c>mysqld</c> is MariaDB).</summary>
internal sealed class ServerBinary
{
    private ServerBinary(string path, bool isMariaDb)
    {
        Path = path;
        IsMariaDb = isMariaDb;
    }

    /// <summary>Gets the folders searched after PATH, for messages.</summary>
    public static string SearchedFolders => "PATH, /usr/sbin, /usr/local/sbin and /usr/local/mysql/bin";

    /// <summary>Gets the binary's full path.</summary>
    public string Path { get; }

    /// <summary>Gets whether the binary is MariaDB (initialised with mariadb-install-db) rather than MySQL (mysqld --initialize-insecure).</summary>
    public bool IsMariaDb { get; }

    /// <summary>Gets a short name for messages: <c>mariadbd</c> or <c>mysqld</c>.</summary>
    public string Name => IsMariaDb ? "mariadbd" : "mysqld";

    /// <summary>Finds <c>mariadbd</c> (preferred) or <c>mysqld</c> on PATH or in the usual server folders.</summary>
    /// <returns>The binary, or <c>null</c> when none is installed.</returns>
    public static async Task<ServerBinary?> FindAsync(CancellationToken cancellationToken)
    {
        if (ProcessRunner.Find("mariadbd", "mysqld") is not { } path)
            return null;
        var isMariaDb = System.IO.Path.GetFileName(path) == "mariadbd";
        if (!isMariaDb)
        {
            var (_, output) = await ProcessRunner.RunAsync(path, ["--version"], TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            isMariaDb = output.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        }
        return new ServerBinary(path, isMariaDb);
    }
}
