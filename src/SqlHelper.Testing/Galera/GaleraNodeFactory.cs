using System.Runtime.ExceptionServices;
using SqlHelpers.Testing.Local;
using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Galera;

/// <summary>Makes a cluster's node processes from the Galera template and starts them together.</summary>
internal static class GaleraNodeFactory
{
    /// <summary>Makes every node's folder and process (see <see cref="PrepareAsync"/>), in parallel; none is started.</summary>
    public static async Task<List<LocalServerProcess>> PrepareAllAsync(GaleraEnvironment environment, (string Template, string PlainTemplate) templates,
        ClusterLayout layout, MySqlTestClusterOptions options, CancellationToken cancellationToken)
    {
        var nodeIds = layout.Hosts.Select(_ => Guid.NewGuid()).ToList();
        var preparations = Enumerable.Range(0, layout.Hosts.Count)
            .Select(i => Task.Run(() => PrepareAsync(environment, templates, layout, nodeIds, i, options, cancellationToken), cancellationToken))
            .ToList();
        try
        {
            await Task.WhenAll(preparations).ConfigureAwait(false);
            return [.. preparations.Select(preparation => preparation.Result)];
        }
        catch
        {
            foreach (var preparation in preparations.Where(preparation => preparation.IsCompletedSuccessfully))
                await preparation.Result.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Makes node <paramref name="index"/>'s folder: a copy of the Galera template, a saved primary view naming every node
    /// (so the nodes form their component together, with no state transfer), owned by the <c>mysql</c> account when the
    /// tests run as root. The process is made but not started.
    /// </summary>
    private static async Task<LocalServerProcess> PrepareAsync(GaleraEnvironment environment, (string Template, string PlainTemplate) templates,
        ClusterLayout layout, IReadOnlyList<Guid> nodeIds, int index, MySqlTestClusterOptions options, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "sqlhelper-mysqld-" + Guid.NewGuid().ToString("N")[..10]);
        var data = Path.Combine(folder, "data");
        try
        {
            DataDirectoryTemplate.Copy(templates.Template, data);
            GaleraState.WritePrimaryView(data, nodeIds, nodeIds[index]);
            if (LocalServerProcess.RunsAsRoot)
                await FileOwner.GiveAsync(folder, GaleraEnvironment.NodeAccount, cancellationToken).ConfigureAwait(false);
            var serverOptions = new MySqlTestServerOptions
            {
                ServerId = index + 1,
                ExtraServerArguments =
                [
                    .. GaleraArguments.Build(environment.ProviderPath, layout.ClusterName, layout.BasePorts, index, layout.SqlEndpoint(index)),
                    .. options.ExtraServerArguments,
                ],
            };
            var arguments = ServerArguments.Build(environment.Binary, folder, data, layout.SqlPort, serverOptions, [], layout.Hosts[index], GaleraEnvironment.NodeAccount);
            return LocalServerProcess.Create(environment.Binary, folder, [templates.PlainTemplate, templates.Template], layout.Hosts[index],
                layout.SqlPort, arguments, options.StartTimeout);
        }
        catch
        {
            Folders.TryDelete(folder);
            throw;
        }
    }

    /// <summary>
    /// Starts every node at once (none accepts connections before all of them have formed the primary component) and
    /// waits until each accepts connections. When one fails, the others are stopped waiting and its error is thrown.
    /// </summary>
    public static async Task StartAllAsync(IReadOnlyList<LocalServerProcess> processes, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var starts = processes.Select(async process =>
        {
            try
            {
                await process.StartAsync(failed.Token).ConfigureAwait(false);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            var first = starts.Where(start => start.IsFaulted).Select(start => start.Exception!.InnerException!)
                .FirstOrDefault(error => error is not OperationCanceledException);
            if (first is not null)
                ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }
}
