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

    /// <summary>Gets or sets how many state-free statements said to empty the warning list were run after a planted warning.</summary>
    public int ClearClaimsChecked { get; set; }

    /// <summary>Gets each statement said to empty the warning list that left the planted warning readable.</summary>
    public List<string> WrongClearClaims { get; } = [];

    /// <summary>Gets or sets how many generated statements are said to empty the warning list themselves (no clear is sent before them).</summary>
    public int GeneratedClearing { get; set; }

    /// <summary>Gets each death of the server: the statement it was running, the sql_mode, and the end of its error log.</summary>
    public List<string> Deaths { get; } = [];

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
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
            $"  {GeneratedClearing} generated statements empty the warning list themselves; {ClearClaimsChecked} checked after a planted warning, {WrongClearClaims.Count} wrong.");
        foreach (var (shape, (total, clean)) in Shapes.OrderBy(static s => s.Key, StringComparer.Ordinal))
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  shape {shape,-7} {total,6} generated, {clean,6} classed clean");
        foreach (var mode in Modes)
            text.AppendLine("  " + mode);
        text.AppendLine("  state kinds seen changing: " + string.Join(", ", ChangedKinds.Select(static k => $"{k.Key} ({k.Value})")));
        foreach (var (key, example) in ResetLeftovers)
            text.AppendLine($"  a reset did not restore {key}  (after: {example})");
        foreach (var example in CleanDiagnosticsExamples)
            text.AppendLine("  clean statement that left a warning: " + example);
        foreach (var (error, (count, example)) in CleanErrors.OrderByDescending(static e => e.Value.Count).Take(12))
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {count,5} clean executions failed with: {error}  (e.g. {example})");
        foreach (var death in Deaths)
            text.AppendLine("  SERVER DEATH " + death);
        foreach (var wrong in WrongClearClaims.Take(20))
            text.AppendLine("  WRONG CLEAR CLAIM " + wrong);
        foreach (var leak in Leaks.Take(40))
            text.AppendLine("  LEAK " + leak);
        foreach (var write in UnflaggedWrites.Take(20))
            text.AppendLine("  UNFLAGGED WRITE " + write);
        foreach (var plain in PlainNotClean.Take(20))
            text.AppendLine("  PLAIN NOT CLEAN " + plain);
        return text.ToString();
    }
}
