using System.Text;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>The outcome of a <see cref="ClassifierOracle"/> run.</summary>
internal sealed class OracleReport
{
    public int Seed { get; init; }

    public int Generated { get; set; }

    public int GeneratedClean { get; set; }

    public Dictionary<string, (int Total, int Clean)> Shapes { get; } = new(StringComparer.Ordinal);

    public List<OracleModeReport> Modes { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public int Resets { get; set; }

    public TimeSpan ExecuteTime { get; set; }

    public TimeSpan SnapshotTime { get; set; }

    /// <summary>Gets how often each error (its first 60 characters) failed a state-free statement.</summary>
    public Dictionary<string, (int Count, string Example)> CleanErrors { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets each state-free statement that changed session state: statement, mode and what changed.</summary>
    public List<string> Leaks { get; } = [];

    /// <summary>Gets each statement called non-writing that changed data.</summary>
    public List<string> UnflaggedWrites { get; } = [];

    /// <summary>Gets the plain parameterised statements the classifier did not call state-free.</summary>
    public List<string> PlainNotClean { get; } = [];

    /// <summary>Gets, per kind of session state, how many statements changed it.</summary>
    public SortedDictionary<string, int> ChangedKinds { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets what differed between the session right after a reset and the mode's first session, with one statement that led to it.</summary>
    public SortedDictionary<string, string> ResetLeftovers { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets a few state-free statements that left warnings or errors, with what they left.</summary>
    public List<string> CleanDiagnosticsExamples { get; } = [];

    public int Executions => Modes.Sum(static m => m.Executed);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
            $"Seed {Seed}: {Generated} statements generated, {GeneratedClean} ({100.0 * GeneratedClean / Math.Max(1, Generated):F1} %) classed clean; " +
            $"{Executions} executions in {Elapsed.TotalSeconds:F1} s (statements {ExecuteTime.TotalSeconds:F1} s, snapshots {SnapshotTime.TotalSeconds:F1} s), {Resets} resets.");
        foreach (var (shape, (total, clean)) in Shapes.OrderBy(static s => s.Key, StringComparer.Ordinal))
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  shape {shape,-7} {total,6} generated, {clean,6} classed clean");
        foreach (var mode in Modes)
            text.AppendLine("  " + mode);
        text.AppendLine("  state kinds seen changing: " + string.Join(", ", ChangedKinds.Select(static k => $"{k.Key} ({k.Value})")));
        foreach (var (key, example) in ResetLeftovers)
            text.AppendLine($"  a reset did not restore {key}  (after: {example})");
        foreach (var example in CleanDiagnosticsExamples)
            text.AppendLine("  FLAGGED clean statement left a warning: " + example);
        foreach (var (error, (count, example)) in CleanErrors.OrderByDescending(static e => e.Value.Count).Take(12))
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {count,5} clean executions failed with: {error}  (e.g. {example})");
        foreach (var leak in Leaks.Take(40))
            text.AppendLine("  LEAK " + leak);
        foreach (var write in UnflaggedWrites.Take(20))
            text.AppendLine("  UNFLAGGED WRITE " + write);
        foreach (var plain in PlainNotClean.Take(20))
            text.AppendLine("  PLAIN NOT CLEAN " + plain);
        return text.ToString();
    }
}
