namespace SqlHelpers.Testing.Utilities;

/// <summary>Hands folders to another account, for servers that the test process starts as root but that must run as <c>mysql</c>.</summary>
internal static class FileOwner
{
    /// <summary>Gets whether the local account exists (looked up in <c>/etc/passwd</c>).</summary>
    public static bool AccountExists(string account) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(account + ":", StringComparison.Ordinal));

    /// <summary>Makes <paramref name="account"/> (and its login group) the owner of a folder and everything in it: <c>chown -R account: folder</c>.</summary>
    /// <exception cref="InvalidOperationException">chown is missing or failed.</exception>
    public static async Task GiveAsync(string folder, string account, CancellationToken cancellationToken)
    {
        var chown = ProcessRunner.Find("chown") ?? throw new InvalidOperationException($"chown was not found, so {folder} cannot be handed to the {account} account.");
        var (exitCode, output) = await ProcessRunner.RunAsync(chown, ["-R", account + ":", folder], TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
            throw new InvalidOperationException($"chown -R {account}: {folder} failed with exit code {exitCode}: {output.Trim()}");
    }
}
