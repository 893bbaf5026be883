using SqlHelpers.Utilities;

namespace SqlHelpers.Streaming;

/// <summary>
/// A result still being read on a scope's connection (a stream or multiple result sets). While one is open the
/// connection can run nothing else, so the owning scope refuses other statements with <see cref="BusyMessage"/>.
/// </summary>
internal abstract class OpenResult(SqlScope opener)
{
    /// <summary>Gets the scope whose call opened the result.</summary>
    public SqlScope Opener { get; } = opener;

    /// <summary>Gets the message of the error a statement gets while this result is open.</summary>
    public abstract string BusyMessage { get; }

    /// <summary>Gets whether the result still occupies the connection.</summary>
    public abstract bool IsOpen { get; }

    /// <summary>Closes the result (the rest of its rows are read and dropped by the driver). Safe to call twice; never throws for a broken connection.</summary>
    public abstract ValueTask CloseAsync(IOBehavior io);
}
