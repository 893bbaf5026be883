using System.Net;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Galera;

/// <summary>
/// A data directory that has been a one-node Galera cluster and was stopped cleanly: it has a real cluster state UUID and
/// seqno, in <c>grastate.dat</c> and in InnoDB. Every node of a test cluster starts from a copy of it, so the nodes have
/// the same state, form their primary component together without any state transfer, and a node restarted after a crash
/// catches up by a short incremental transfer (IST) instead of copying everything. The first cluster of a process makes
/// it from the plain template (about a second); it is deleted when the process exits, or by its own watchdog and the
/// nodes' when the process is killed.
/// </summary>
internal static class GaleraDataTemplate
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, (string Template, string PlainTemplate)> Templates = new(StringComparer.Ordinal);

    static GaleraDataTemplate() => AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
    {
        foreach (var (template, _) in Templates.Values)
            Folders.TryDelete(template);
    };

    /// <summary>Gets the template for this server binary and provider, making it the first time.</summary>
    /// <returns>The template, and the plain template it was made from (both belong to this process).</returns>
    public static async Task<(string Template, string PlainTemplate)> GetAsync(GaleraEnvironment environment, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var key = environment.Binary.Path + "|" + environment.ProviderPath;
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Templates.TryGetValue(key, out var existing) && Directory.Exists(existing.Template) && Directory.Exists(existing.PlainTemplate))
                return existing;
            var made = await MakeAsync(environment, startTimeout, cancellationToken).ConfigureAwait(false);
            Templates[key] = made;
            return made;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<(string Template, string PlainTemplate)> MakeAsync(GaleraEnvironment environment, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var binary = environment.Binary;
        var folder = Path.Combine(Path.GetTempPath(), "sqlhelper-mysqld-" + Guid.NewGuid().ToString("N")[..10]);
        var data = Path.Combine(folder, "data");
        var template = DataDirectoryTemplate.NewTemplatePath("galera");
        LocalServerProcess? node = null;
        try
        {
            var plain = await DataDirectoryTemplate.CreateAsync(binary, data, cancellationToken).ConfigureAwait(false);
            if (LocalServerProcess.RunsAsRoot)
                await FileOwner.GiveAsync(folder, GaleraEnvironment.NodeAccount, cancellationToken).ConfigureAwait(false);
            var sqlPort = FreePort.FindBlock(1 + GaleraArguments.PortsPerNode, [IPAddress.Loopback]);
            var options = new MySqlTestServerOptions
            {
                ExtraServerArguments =
                [
                    .. GaleraArguments.Build(environment.ProviderPath, "sqlhelper-template", [sqlPort + 1], 0, $"127.0.0.1:{sqlPort}"),
                    "--wsrep-new-cluster",
                ],
            };
            var arguments = ServerArguments.Build(binary, folder, data, sqlPort, options, [], "127.0.0.1", GaleraEnvironment.NodeAccount);
            node = LocalServerProcess.Create(binary, folder, [plain, template], "127.0.0.1", sqlPort, arguments, startTimeout);
            await node.StartAsync(cancellationToken).ConfigureAwait(false);   // accepts connections once it is a primary component of one
            await node.StopAsync(cancellationToken).ConfigureAwait(false);    // a clean stop writes the seqno to grastate.dat
            Directory.Move(data, template);
            GaleraState.StripForTemplate(template);
            await ServerWatchdog.WatchFolderAsync(template).ConfigureAwait(false);
            return (template, plain);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Folders.TryDelete(template);
            throw new InvalidOperationException(
                $"Making the Galera data directory template failed: a one-node cluster could not be bootstrapped and stopped ({ex.Message})", ex);
        }
        finally
        {
            if (node is not null)
                await node.DisposeAsync().ConfigureAwait(false);
            Folders.TryDelete(folder);
        }
    }
}
