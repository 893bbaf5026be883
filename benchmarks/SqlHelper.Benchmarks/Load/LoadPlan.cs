using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>Turns the options into the groups of a run.</summary>
internal static class LoadPlan
{
    public static IReadOnlyList<LoadGroup> Build(LoadOptions options, string connectionString, SysbenchTool? sysbench)
    {
        var groups = new List<LoadGroup>();
        foreach (var flows in options.Flows)
        {
            if (options.ScopeGroups)
            {
                foreach (var api in new[] { LoadApi.Sync, LoadApi.Async })
                {
                    foreach (var nest in new[] { 1, 3 })
                    {
                        foreach (var reset in new[] { false, true })
                        {
                            var dims = new LoadDims(flows, api, nest, reset);
                            var cs = ConnectionStrings.For(connectionString, reset, flows * nest + 1);
                            groups.Add(new LoadGroup(dims, RawScopeVariant.VariantName,
                            [
                                () => new RawScopeVariant(dims, cs),
                                () => new HelperScopeVariant(dims, cs, ScopeMode.AsyncFlowStack),
                                () => new HelperScopeVariant(dims, cs, ScopeMode.PerInstance),
                            ]));
                        }
                    }
                }
            }
            if (options.OpenGroups)
            {
                foreach (var api in new[] { LoadApi.Sync, LoadApi.Async })
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
