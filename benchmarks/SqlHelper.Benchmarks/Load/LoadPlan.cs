using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>Turns the options into the groups of a run.</summary>
internal static class LoadPlan
{
    /// <summary>
    /// One small group of each kind, run before anything is measured so that every code path has been through tiered
    /// compilation (the first group would otherwise measure the JIT).
    /// </summary>
    public static IReadOnlyList<LoadGroup> BuildWarmup(string connectionString)
    {
        return [.. Build([1], [LoadApi.Sync, LoadApi.Async], scopeGroups: true, openGroups: true, whenDirtyRows: false, connectionString, sysbench: null)
            .Where(static g => g.Dims.Reset is null || (g.Dims.Nest == 3 && g.Dims.Reset == false))];
    }

    /// <summary>The groups of a run.</summary>
    public static IReadOnlyList<LoadGroup> Build(LoadOptions options, string connectionString, SysbenchTool? sysbench) =>
        [.. Build(options.Flows, options.Apis, options.ScopeGroups, options.OpenGroups, whenDirtyRows: true, connectionString, sysbench),
            .. options.ContentionGroups ? BuildContention(options.ContentionPoints, options.Apis, connectionString) : [],
            .. options.HeldGroups ? BuildHeld(options.Flows, options.Apis, connectionString) : []];

    /// <summary>
    /// The held-connection reference (issue #13): a connection each flow opened once and keeps, one point select per
    /// operation, against SqlHelper's WhenDirty scope per query and raw MySqlConnector opening per query with
    /// ConnectionReset=false, side by side in one group.
    /// </summary>
    public static IReadOnlyList<LoadGroup> BuildHeld(IReadOnlyList<int> flowCounts, IReadOnlyList<LoadApi> apis, string connectionString)
    {
        var groups = new List<LoadGroup>();
        foreach (var flows in flowCounts)
        {
            foreach (var api in apis)
            {
                var dims = new LoadDims(flows, api, 1, Reset: false);
                var cs = ConnectionStrings.For(connectionString, connectionReset: false, flows * 2 + 1);
                groups.Add(new LoadGroup(dims, OpenConnectionQueryVariant.VariantName,
                [
                    () => new OpenConnectionQueryVariant(dims, cs),
                    () => new RawScopeVariant(dims, cs),
                    () => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack, SessionResetPolicy.WhenDirty),
                ]));
            }
        }
        return groups;
    }

    /// <summary>
    /// Many flows on a small pool: raw MySqlConnector with <c>Maximum Pool Size</c> = N against SqlHelper with
    /// <c>MaxConnections</c> = N (and the same pool size under it), ConnectionReset off, one point select per operation.
    /// Here the flows wait for connections, so what is measured is the waiting: SqlHelper's admission against the driver's.
    /// </summary>
    public static IReadOnlyList<LoadGroup> BuildContention(IReadOnlyList<(int Flows, int Connections)> points, IReadOnlyList<LoadApi> apis, string connectionString)
    {
        var groups = new List<LoadGroup>();
        foreach (var (flows, connections) in points)
        {
            foreach (var api in apis)
            {
                var dims = new LoadDims(flows, api, 1, Reset: false, connections);
                // A long queue can keep one raw open waiting for seconds: raise the driver's Connection Timeout on both sides.
                var cs = ConnectionStrings.For(connectionString, connectionReset: false, connections, connectTimeoutSeconds: 120);
                // Ambient twice: with the default reserve (outermost scopes use N - 1 connections, raw uses N) and with none,
                // which separates the reserve's designed cost from the admission path's. Per-instance mode never reserves.
                groups.Add(new LoadGroup(dims, RawScopeVariant.VariantName,
                [
                    () => new RawScopeVariant(dims, cs),
                    () => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack, reservedForNested: 1),
                    () => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack, reservedForNested: 0),
                    () => new HelperScopeVariant(dims, cs, ScopeMode.PerInstance),
                ]));
            }
        }
        return groups;
    }

    private static List<LoadGroup> Build(IReadOnlyList<int> flowCounts, IReadOnlyList<LoadApi> apis, bool scopeGroups, bool openGroups, bool whenDirtyRows, string connectionString, SysbenchTool? sysbench)
    {
        var groups = new List<LoadGroup>();
        foreach (var flows in flowCounts)
        {
            if (scopeGroups)
            {
                foreach (var api in apis)
                {
                    foreach (var nest in new[] { 1, 3 })
                    {
                        foreach (var reset in new[] { false, true })
                        {
                            var dims = new LoadDims(flows, api, nest, reset);
                            var cs = ConnectionStrings.For(connectionString, reset, flows * nest + 1);
                            var variants = new List<Func<LoadVariant>>
                            {
                                () => new RawScopeVariant(dims, cs),
                                () => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack),
                                () => new HelperScopeVariant(dims, cs, ScopeMode.PerInstance),
                            };
                            // With ConnectionReset on, every raw open pays COM_RESET_CONNECTION. SqlHelper's WhenDirty policy
                            // resets only sessions a scope may have changed; a point select changes none. Shown beside the
                            // like-for-like rows so the reset reads as the driver's cost it is, and what the helper can save.
                            if (reset && whenDirtyRows)
                                variants.Add(() => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack, SessionResetPolicy.WhenDirty));
                            groups.Add(new LoadGroup(dims, RawScopeVariant.VariantName, variants));
                        }
                    }
                }
            }
            if (openGroups)
            {
                foreach (var api in apis)
                {
                    var dims = new LoadDims(flows, api, 1, null);
                    var cs = ConnectionStrings.For(connectionString, connectionReset: false, flows + 1);
                    var variants = new List<Func<LoadVariant>>
                    {
                        () => new OpenConnectionQueryVariant(dims, cs),
                        () => new OpenScopeFetchVariant(dims, cs),
                    };
                    if (api == LoadApi.Sync && sysbench is not null)
                        variants.Add(() => new SysbenchVariant(dims with { Api = LoadApi.Native }, sysbench));
                    groups.Add(new LoadGroup(dims, OpenConnectionQueryVariant.VariantName, variants));
                }
            }
        }
        return groups;
    }
}
