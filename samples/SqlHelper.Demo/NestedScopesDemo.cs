namespace SqlHelpers.Demo;

/// <summary>Section 1: the seed's <c>with db as c1: ... with db as c2: ...</c> as nested <c>using</c> blocks on one flow.</summary>
internal static class NestedScopesDemo
{
    public static void Run(SqlHelper db)
    {
        Out.Section(1, "Nested scopes on one flow: the seed's \"with db as c1: ... with db as c2: ...\"");
        Out.StepHeader();
        var names = new ScopeNames();
        long c1Id, c2Id;

        using (var c1 = db.Open())
        {
            c1Id = names.Add(c1, "c1");
            Out.Step(0, "using (var c1 = db.Open())", db.Depth, c1Id, names.NameOf(db.Current), "pushed on this flow's stack");
            var one = c1.ExecuteScalar<int>("SELECT 1");
            Out.Step(0, $"c1.ExecuteScalar(\"SELECT 1\") -> {one}", db.Depth, c1Id, names.NameOf(db.Current));

            using (var c2 = db.Open())
            {
                c2Id = names.Add(c2, "c2");
                Out.Step(1, "using (var c2 = db.Open())", db.Depth, c2Id, names.NameOf(db.Current), "its own connection");
                var two = c2.ExecuteScalar<int>("SELECT 2");
                Out.Step(1, $"c2.ExecuteScalar(\"SELECT 2\") -> {two}", db.Depth, c2Id, names.NameOf(db.Current));
                var ranOn = db.FetchOne<long>("SELECT CONNECTION_ID()");
                Out.Step(1, "db.FetchOne(\"SELECT CONNECTION_ID()\")", db.Depth, ranOn, names.NameOf(db.Current), "ran on the innermost: c2");
                Expect.That(ranOn == c2Id && c1Id != c2Id, "db.FetchOne did not run on c2, or c1 and c2 share a connection");
            }

            Out.Step(0, "} c2 disposed: connection back to the pool", db.Depth, names.ConnectionOf(db.Current), names.NameOf(db.Current), "LIFO: c1 is Current again");
            Expect.That(ReferenceEquals(db.Current, c1), "db.Current is not c1 after c2 was disposed");
            var again = db.FetchOne<long>("SELECT CONNECTION_ID()");
            Out.Step(0, "db.FetchOne(\"SELECT CONNECTION_ID()\")", db.Depth, again, names.NameOf(db.Current), "now runs on c1");
            Expect.That(again == c1Id, "db.FetchOne did not run on c1");
        }

        Out.Step(0, "} c1 disposed", db.Depth, "-", names.NameOf(db.Current), "stack empty");
        Expect.That(db.Current is null && db.Depth == 0, "the stack is not empty after c1 was disposed");
    }
}
