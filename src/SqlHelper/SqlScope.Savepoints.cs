using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// Savepoint scopes (ScopeOption.Nested): a scope that joined its enclosing scope's connection and transaction and set a
// SAVEPOINT there. Its Commit releases the savepoint, its Rollback (or a dispose without Commit) rolls back to it. The
// owning scope keeps the savepoints of its transaction in the order they were set, because the server's rules are
// positional: ROLLBACK TO / RELEASE a savepoint also removes every savepoint set after it. A savepoint scope whose
// savepoint is already gone (an enclosing savepoint scope ended first, or the transaction ended) ends with nothing to do.
public sealed partial class SqlScope
{
    // The savepoints live in the leases' rarely used part (LeaseExtras): the owning scope's lease keeps the live savepoints
    // of its transaction, oldest first, under the lock of that object; a savepoint scope's lease keeps its own.

    /// <summary>Gets whether this scope is a savepoint scope (<see cref="ScopeOption.Nested"/>): its commit and rollback act on its savepoint.</summary>
    public bool IsSavepoint => _lease.ExtrasIfCreated?.Savepoint is not null;

    /// <summary>Sets this joined scope's savepoint in the owner's transaction. Throws a clear error when there is no transaction or the connection is gone.</summary>
    internal async ValueTask SetSavepointAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        var owner = Owner;
        var transaction = Transaction ?? throw new InvalidOperationException(
            "ScopeOption.Nested needs a transaction in progress on the current scope, and there is none. Call BeginTransaction on the enclosing scope first, " +
            "or open the scope with ScopeOption.Required (join without a savepoint) or Open() (a connection and transaction of its own).");
        owner.ThrowIfStreamOpen();
        var connection = owner.LiveConnection();
        var savepoint = new Savepoint(FormattableString.Invariant($"sqlhelper_sp_{Depth}_{_lease.Id}"), transaction);
        try
        {
            if (io == IOBehavior.Synchronous)
                transaction.Save(savepoint.Name);
            else
                await transaction.SaveAsync(savepoint.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatementFailure(ex, connection, guard: null) is { } failure)
        {
            throw failure;
        }
        var ownerExtras = owner._lease.Extras;
        lock (ownerExtras)
            (ownerExtras.Savepoints ??= []).Add(savepoint);
        _lease.Extras.Savepoint = savepoint;
    }

    /// <summary>Releases (<paramref name="commit"/>) or rolls back to this scope's savepoint: the core of Commit and Rollback on a savepoint scope.</summary>
    private async ValueTask EndSavepointCoreAsync(IOBehavior io, bool commit, CancellationToken cancellationToken)
    {
        ThrowIfNotLive();
        var savepoint = _lease.Extras.Savepoint!;
        if (!TakeSavepoint(savepoint, out var reason))
            throw new InvalidOperationException($"Cannot {(commit ? "commit" : "roll back")} this savepoint scope: {reason}");
        Owner.ThrowIfStreamOpen();
        var connection = Owner.LiveConnection();
        try
        {
            await SendSavepointEndAsync(savepoint, commit, io, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatementFailure(ex, connection, guard: null) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>On dispose: rolls back to a savepoint that was neither released nor rolled back. Never throws.</summary>
    private async ValueTask RollbackSavepointOnEndAsync(IOBehavior io)
    {
        if (_lease.ExtrasIfCreated?.Savepoint is not { } savepoint || !TakeSavepoint(savepoint, out _))
            return;
        try
        {
            // EndAsync closed any stream on the connection first. A dead connection takes the transaction with it.
            if (Owner._lease.Connection?.State != System.Data.ConnectionState.Open)
                return;
            await SendSavepointEndAsync(savepoint, commit: false, io, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            // The work of this scope could not be undone alone. Never let the enclosing scope commit it: roll the whole
            // transaction back (its Commit then says no transaction is in progress). A broken connection loses it anyway.
            try
            {
                if (Owner._lease.Connection?.State == System.Data.ConnectionState.Open && savepoint.Transaction.Connection is not null)
                    savepoint.Transaction.Rollback();
            }
            catch (Exception inner) when (inner is MySqlException or InvalidOperationException or IOException)
            {
                // Broken after all: the owning scope's dispose discards the connection.
            }
        }
    }

    private static async ValueTask SendSavepointEndAsync(Savepoint savepoint, bool commit, IOBehavior io, CancellationToken cancellationToken)
    {
        var transaction = savepoint.Transaction;
        if (io == IOBehavior.Synchronous)
        {
            if (commit)
                transaction.Release(savepoint.Name);
            else
                transaction.Rollback(savepoint.Name);
        }
        else if (commit)
        {
            await transaction.ReleaseAsync(savepoint.Name, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transaction.RollbackAsync(savepoint.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes <paramref name="savepoint"/> and every later one from the owner's list (what RELEASE and ROLLBACK TO do on
    /// the server) and returns <c>true</c>, or returns <c>false</c> with the reason when it is already gone.
    /// </summary>
    private bool TakeSavepoint(Savepoint savepoint, out string reason)
    {
        var owner = Owner;
        var ownerExtras = owner._lease.Extras;
        lock (ownerExtras)
        {
            var savepoints = ownerExtras.Savepoints;
            var index = savepoints?.IndexOf(savepoint) ?? -1;
            if (index < 0)
            {
                reason = "it has already been committed or rolled back, or an enclosing savepoint scope ended first and took this savepoint with it.";
                return false;
            }
            savepoints!.RemoveRange(index, savepoints.Count - index);
            if (!ReferenceEquals(savepoint.Transaction, owner.Transaction))
            {
                reason = "the transaction it was set in has already been committed or rolled back.";
                return false;
            }
            reason = "";
            return true;
        }
    }

    /// <summary>A savepoint set by a savepoint scope, and the transaction it belongs to.</summary>
    internal sealed record Savepoint(string Name, MySqlTransaction Transaction);
}
