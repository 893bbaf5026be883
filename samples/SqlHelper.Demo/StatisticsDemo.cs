using System.Globalization;

namespace SqlHelpers.Demo;

/// <summary>Section 5: <see cref="SqlHelper.GetStatistics"/> of each helper the demo used, side by side.</summary>
internal static class StatisticsDemo
{
    private static readonly (string Name, Func<SqlHelperStatistics, string> Value)[] Rows =
    [
        ("ScopesOpened", static s => s.ScopesOpened.ToString(CultureInfo.InvariantCulture)),
        ("PeakOpenScopes", static s => s.PeakOpenScopes.ToString(CultureInfo.InvariantCulture)),
        ("OpenScopes (now)", static s => s.OpenScopes.ToString(CultureInfo.InvariantCulture)),
        ("HeldConnections / MaxConnections", static s => $"{s.HeldConnections} / {s.MaxConnections}"),
        ("AcquireWaits", static s => s.AcquireWaits.ToString(CultureInfo.InvariantCulture)),
        ("PoolExhaustions", static s => s.PoolExhaustions.ToString(CultureInfo.InvariantCulture)),
        ("MisnestedDisposals", static s => s.MisnestedDisposals.ToString(CultureInfo.InvariantCulture)),
        ("LeaksDetected", static s => s.LeaksDetected.ToString(CultureInfo.InvariantCulture)),
    ];

    public static void Run(params (string Name, SqlHelper Helper)[] helpers)
    {
        Out.Section(5, "GetStatistics()");
        var statistics = helpers.Select(static h => h.Helper.GetStatistics()).ToArray();
        Out.Line($"{"",-34}" + string.Concat(helpers.Select(static h => $"{h.Name,18}")));
        Out.Line($"{"",-34}" + string.Concat(helpers.Select(static _ => $"{new string('-', 16),18}")));
        foreach (var (name, value) in Rows)
            Out.Line($"{name,-34}" + string.Concat(statistics.Select(s => $"{value(s),18}")));
    }
}
