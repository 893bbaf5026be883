namespace SqlHelpers.Demo;

/// <summary>Section 3: the same nesting with <see cref="ScopeMode.PerInstance"/>: each scope owns its connection, nothing is ambient.</summary>
internal static class PerInstanceDemo
{
    public static void Run(SqlHelper db)
    {
        Out.Section(3, "The same nesting with Mode = ScopeMode.PerInstance: each scope owns its connection, nothing ambient");
        Out.StepHeader();
        var names = new ScopeNames();

        using (var c1 = db.Open())
        {
            var c1Id = names.Add(c1, "c1");
            Out.Step(0, "using (var c1 = db.Open())", c1.Depth, c1Id, names.NameOf(db.Current), "c1.Depth; db.Depth stays 0");
            using (var c2 = db.Open())
            {
                var c2Id = names.Add(c2, "c2");
                Out.Step(1, "using (var c2 = db.Open())", c2.Depth, c2Id, names.NameOf(db.Current), "its own connection, not nested");
                var ranOn = db.FetchOne<long>("SELECT CONNECTION_ID()");
                Out.Step(1, "db.FetchOne(\"SELECT CONNECTION_ID()\")", "-", ranOn, names.NameOf(db.Current), "a short-lived scope of its own");
                Expect.That(db.Current is null && ranOn != c1Id && ranOn != c2Id && c1Id != c2Id,
                    "per-instance scopes were ambient or shared a connection");
            }
            Out.Step(0, "} c2 disposed", c1.Depth, c1Id, names.NameOf(db.Current));
        }

        Out.Step(0, "} c1 disposed", "-", "-", names.NameOf(db.Current));
    }
}
