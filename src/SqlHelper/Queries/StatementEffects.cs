namespace SqlHelpers.Queries;

/// <summary>
/// What an SQL text may do beyond returning rows, as <see cref="SessionStateClassifier"/> sees it. The flags are
/// conservative: a flag that is set means "may", a flag that is clear means "certainly not".
/// </summary>
[Flags]
internal enum StatementEffects
{
    /// <summary>A read that leaves the session as it found it: no reset is needed and read-your-writes routing need not pin the scope.</summary>
    None = 0,

    /// <summary>
    /// The text may leave session state behind for the next borrower of the connection (user variables, session variables,
    /// temporary tables, locks, an open transaction, <c>LAST_INSERT_ID()</c>, sequences, ...), or it reads a user variable
    /// the helper cannot vouch for. The session must be reset before the connection is reused.
    /// </summary>
    ChangesSession = 1,

    /// <summary>
    /// The text may write data (an UPDATE or DELETE, or anything not understood). Read-your-writes routing must treat the
    /// scope as having written, and a statement that failed on a dead connection must not be retried.
    /// </summary>
    Writes = 2,

    /// <summary>Not understood: the text may do anything.</summary>
    Unknown = ChangesSession | Writes,
}
