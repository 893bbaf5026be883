namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// What <see cref="SessionOracle"/> read from a session: its state (user and session variables, transaction, last insert
/// id, database, named and table locks, temporary tables, sequences, prepared statements), the data of the oracle's
/// tables, and the diagnostics area (what SHOW WARNINGS would show the next statement).
/// </summary>
/// <param name="Session">Session state, by key; the key's prefix names its kind (<c>user variable:</c>, <c>session variable:</c>, ...).</param>
/// <param name="Data">A checksum per oracle table.</param>
/// <param name="Diagnostics">The rows of SHOW WARNINGS, as <c>Level Code Message</c>.</param>
internal sealed record SessionSnapshot(IReadOnlyDictionary<string, string> Session, IReadOnlyDictionary<string, string> Data, IReadOnlyList<string> Diagnostics)
{
    /// <summary>Returns the session keys whose value differs from <paramref name="before"/>, as <c>key: before -> after</c>.</summary>
    public List<string> SessionChanges(SessionSnapshot before) => Differences(before.Session, Session);

    /// <summary>Returns the tables whose data differs from <paramref name="before"/>.</summary>
    public List<string> DataChanges(SessionSnapshot before) => Differences(before.Data, Data);

    /// <summary>Returns the kind of a session key: the part before its first colon.</summary>
    public static string KindOf(string key) => key.Split(':', 2)[0];

    private static List<string> Differences(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var changes = new List<string>();
        foreach (var (key, value) in after)
        {
            if (!before.TryGetValue(key, out var old))
                changes.Add($"{key}: (none) -> {value}");
            else if (old != value)
                changes.Add($"{key}: {old} -> {value}");
        }
        foreach (var (key, value) in before)
        {
            if (!after.ContainsKey(key))
                changes.Add($"{key}: {value} -> (none)");
        }
        return changes;
    }
}
