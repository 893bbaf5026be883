namespace SqlHelpers.Demo;

/// <summary>Section 2: parallel flows each keep their own stack; a child flow sees its parent's scope, never the reverse.</summary>
internal static class ParallelFlowsDemo
{
    private const int Flows = 4;
    private const int NestingDepth = 3;

    public static async Task RunAsync(SqlHelper db)
    {
        Out.Section(2, $"Parallel flows: {Flows} tasks, each nesting {NestingDepth} deep with awaits in between, each on its own stack");

        var flows = Enumerable.Range(0, Flows).Select(i => new FlowRecord(((char)('A' + i)).ToString())).ToArray();
        var atDeepest = "";
        var deepest = new Rendezvous(Flows, () =>
        {
            var live = db.GetOpenScopes();
            var distinct = live.Select(static s => s.ConnectionId).Distinct().Count();
            atDeepest = $"At the deepest point {live.Count} scopes were live on {distinct} distinct connections; " +
                $"open scopes by depth: {string.Join(", ", db.GetStatistics().OpenScopesByDepth)}.";
            Expect.That(live.Count == Flows * NestingDepth && distinct == live.Count, "live scopes shared a connection");
        });

        await Task.WhenAll(flows.Select(flow => Task.Run(() => NestAsync(db, flow, 1, deepest))));

        Out.Line($"{"flow",-4}  {"CONNECTION_ID() by depth",-26}  {"db.Current was its own innermost scope",-38}");
        Out.Line($"{new string('-', 4)}  {new string('-', 26)}  {new string('-', 38)}");
        foreach (var flow in flows)
        {
            var ids = string.Join(" > ", Enumerable.Range(1, NestingDepth).Select(d => flow.ConnectionIds[d]));
            var own = flow.OwnChecks == flow.Checks ? $"{flow.OwnChecks} of {flow.Checks} looks, never another flow's" : $"only {flow.OwnChecks} of {flow.Checks} looks";
            Out.Line($"{flow.Name,-4}  {ids,-26}  {own}");
            Expect.That(flow.OwnChecks == flow.Checks, $"flow {flow.Name} saw a scope that was not its own");
        }
        Out.Line();
        Out.Wrapped(atDeepest, 0);
        Out.Line($"Back on the main flow: db.Current = {(db.Current is null ? "(none)" : "a scope!")}, db.Depth = {db.Depth}.");
        Expect.That(db.Current is null, "a parallel flow's scope leaked into the main flow");

        await ChildFlowAsync(db);
    }

    /// <summary>Opens this flow's scope at <paramref name="depth"/>, looks at <c>db.Current</c> around awaits, and nests one more.</summary>
    /// <remarks>The scope is opened and used in this method: an AsyncLocal change made in an async method is undone when it returns.</remarks>
    private static async Task NestAsync(SqlHelper db, FlowRecord flow, int depth, Rendezvous deepest)
    {
        await using var scope = await db.OpenAsync();
        flow.Check(db.Current, scope);
        flow.ConnectionIds[depth] = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
        await Task.Delay(Random.Shared.Next(1, 15));
        flow.Check(db.Current, scope);

        if (depth < NestingDepth)
            await NestAsync(db, flow, depth + 1, deepest);
        else
            await deepest.ArriveAndWaitAsync();

        flow.Check(db.Current, scope);
    }

    /// <summary>A <c>Task.Run</c> inside a scope inherits the scope; what the child opens stays the child's.</summary>
    private static async Task ChildFlowAsync(SqlHelper db)
    {
        Out.Line();
        Out.Line("A child flow (Task.Run inside a scope) starts with its parent's stack:");
        var names = new ScopeNames();
        await using var parent = await db.OpenAsync();
        var parentId = names.Add(parent, "p");
        Out.Pair("  parent: await using var p = await db.OpenAsync()", $"depth {parent.Depth}, connection {parentId}");

        var childOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var parentLooked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = Task.Run(async () =>
        {
            Out.Pair($"    child: db.Current = {names.NameOf(db.Current)}", $"depth {db.Depth}, connection {names.ConnectionOf(db.Current)}: the parent's scope");
            Expect.That(ReferenceEquals(db.Current, parent), "the child flow did not see its parent's scope");
            await using var own = await db.OpenAsync();
            var ownId = names.Add(own, "q");
            Out.Pair("    child: await using var q = await db.OpenAsync()", $"depth {own.Depth}, connection {ownId}; child's db.Current = {names.NameOf(db.Current)}");
            childOpened.SetResult();
            await parentLooked.Task;
        });

        await childOpened.Task;
        Out.Pair($"  parent, while q is open: db.Current = {names.NameOf(db.Current)}", "q is never visible to the parent");
        Expect.That(ReferenceEquals(db.Current, parent), "the parent saw its child's scope");
        parentLooked.SetResult();
        await child;
        Out.Pair($"  parent, after the child ended: db.Current = {names.NameOf(db.Current)}", $"depth {db.Depth}, connection {names.ConnectionOf(db.Current)}");
        Expect.That(ReferenceEquals(db.Current, parent), "the parent's stack changed after the child ended");
    }
}
