using System.Collections.Concurrent;

namespace SqlHelpers.Demo;

/// <summary>What one parallel flow saw: its connection ids by depth, and whether <c>db.Current</c> was always its own scope.</summary>
internal sealed class FlowRecord(string name)
{
    private int _checks;
    private int _ownChecks;

    public string Name { get; } = name;

    /// <summary>Gets the connection id of this flow's scope at each depth (index 0 is depth 1).</summary>
    public ConcurrentDictionary<int, long> ConnectionIds { get; } = new();

    public int Checks => _checks;

    public int OwnChecks => _ownChecks;

    /// <summary>Records one look at <c>db.Current</c>: it should be <paramref name="expected"/>, this flow's innermost scope.</summary>
    public void Check(SqlScope? current, SqlScope expected)
    {
        _checks++;
        if (ReferenceEquals(current, expected))
            _ownChecks++;
    }
}
