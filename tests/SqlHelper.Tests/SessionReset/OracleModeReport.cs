namespace SqlHelpers.Tests.SessionReset;

/// <summary>What the classifier oracle saw under one sql_mode.</summary>
internal sealed class OracleModeReport(string mode)
{
    public string Mode { get; } = mode;

    /// <summary>Gets or sets how many statements ran under this mode (every clean one, and this mode's share of the others).</summary>
    public int Executed { get; set; }

    /// <summary>Gets or sets how many of them the classifier called state-free.</summary>
    public int Clean { get; set; }

    /// <summary>Gets or sets how many state-free statements failed with an error under this mode.</summary>
    public int CleanErrored { get; set; }

    /// <summary>Gets or sets how many state-free statements succeeded and left warnings (SqlHelper empties them before the next scope can read them).</summary>
    public int CleanLeftWarnings { get; set; }

    /// <summary>Gets or sets how many statements called not state-free ran under this mode.</summary>
    public int Dirty { get; set; }

    /// <summary>Gets or sets how many of those did change session state (the rest were flagged only to be safe).</summary>
    public int DirtyChangedState { get; set; }

    /// <summary>Gets or sets how many state-free statements changed session state: each is a leak.</summary>
    public int Leaks { get; set; }

    /// <summary>Gets or sets how many statements called non-writing changed data.</summary>
    public int UnflaggedWrites { get; set; }

    public override string ToString() =>
        $"{Mode,-22} ran {Executed,6}: {Clean,6} classed clean ({CleanErrored} failed; {CleanLeftWarnings} succeeded leaving warnings, which the next scope's first use empties unless it uses a table), " +
        $"{Dirty,5} dirty ({DirtyChangedState} really changed state); leaks {Leaks}, unflagged writes {UnflaggedWrites}";
}
