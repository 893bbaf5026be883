namespace SqlHelpers.Demo;

/// <summary>Section 4: the pool limit, the connection reserved for nested scopes, and a <see cref="SqlPoolExhaustedException"/>.</summary>
internal static class PoolLimitDemo
{
    public static async Task RunAsync(SqlHelper small)
    {
        Out.Section(4, "Pool limit: MaxConnections = 2, Blocking = false (ReservedForNested defaults to 1)");
        var names = new ScopeNames();

        using var c1 = small.Open();
        Out.Pair("this flow:  using var c1 = small.Open()", $"depth 1, connection {names.Add(c1, "c1")}; {small.GetStatistics().HeldConnections} of 2 held");

        // A flow that does not inherit this flow's stack: its Open is an outermost scope of its own.
        Task<(string Current, string Outcome)> fresh;
        using (ExecutionContext.SuppressFlow())
        {
            fresh = Task.Run(() =>
            {
                var current = names.NameOf(small.Current);
                try
                {
                    using var scope = small.Open();
                    return (current, "opened (unexpected)");
                }
                catch (SqlPoolExhaustedException e)
                {
                    return (current, e.Message);
                }
            });
        }
        var (freshCurrent, outcome) = await fresh;
        Out.Line("fresh flow (ExecutionContext.SuppressFlow() + Task.Run: no inherited stack):");
        Out.Pair($"            small.Current = {freshCurrent}; small.Open()", "depth 1: refused, the last connection is reserved");
        Out.Line("            SqlPoolExhaustedException:");
        Out.Wrapped(outcome, 14);
        Expect.That(freshCurrent == "(none)" && outcome != "opened (unexpected)", "the fresh flow was not refused, or inherited the stack");

        using var c2 = small.Open();
        Out.Pair("this flow:  using var c2 = small.Open()", $"depth 2, connection {names.Add(c2, "c2")}: the reserved one,");
        Out.Pair("", "so 2-deep nesting never deadlocks the pool");
    }
}
