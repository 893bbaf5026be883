using System.Diagnostics;
using MySqlConnector;

namespace SqlHelpers.Scopes;

/// <summary>
/// The rarely used part of a <see cref="ScopeLease"/>, created the first time its scope uses a feature that needs it: a
/// transaction, a savepoint, the scope's own command, an activity (someone listens to SqlHelper's activity source), the
/// warning watch (<see cref="SessionResetPolicy.WhenDirty"/>) or the open site (<see cref="SqlHelperOptions.CaptureOpenSite"/>).
/// A plain open and dispose allocates only the scope and its lease.
/// </summary>
/// <remarks>
/// Nothing here points back at a scope: the registry keeps leases reachable, and a scope that was never disposed must
/// still become unreachable so that its reclaimer returns the connection. The owning scope's savepoint list is guarded
/// by locking this object.
/// </remarks>
internal sealed class LeaseExtras
{
    /// <summary>Gets or sets the stack trace of the code that opened the scope, when <see cref="SqlHelperOptions.CaptureOpenSite"/> is on.</summary>
    public string? OpenSite { get; set; }

    /// <summary>Gets or sets the scope's own command, created on first use of <see cref="SqlScope.Command"/>.</summary>
    public MySqlCommand? Command { get; set; }

    /// <summary>Gets or sets the transaction begun on the lease's connection (it may have ended since).</summary>
    public MySqlTransaction? Transaction { get; set; }

    /// <summary>Gets or sets whether the lease's scope began the transaction its commands run in.</summary>
    public bool OwnsTransaction { get; set; }

    /// <summary>Gets or sets the activity that spans the scope.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Gets or sets the handler that marks the lease dirty when a statement raises a warning, while it is attached.</summary>
    public MySqlInfoMessageEventHandler? OnWarning { get; set; }

    /// <summary>Gets or sets, on an owning scope's lease, the live savepoints of its transaction, oldest first (guarded by locking this object).</summary>
    public List<SqlScope.Savepoint>? Savepoints { get; set; }

    /// <summary>Gets or sets, on a savepoint scope's lease, its own savepoint.</summary>
    public SqlScope.Savepoint? Savepoint { get; set; }
}
