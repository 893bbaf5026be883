using System.Data;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// A scope's transaction: every command the scope issues (its helpers, Command, and SqlHelper's helpers while it is
// Current) runs inside it with no extra argument. Disposing the scope rolls back what was not committed.
public sealed partial class SqlScope
{
    /// <summary>
    /// Gets the transaction in progress on this scope's connection, or <c>null</c>. A scope that joined another
    /// (<see cref="ScopeOption.Required"/>) sees the transaction of the scope it joined.
    /// </summary>
    public MySqlTransaction? Transaction
    {
        get
        {
            var transaction = Owner._lease.Transaction;
            return transaction?.Connection is null ? null : transaction;
        }
    }

    /// <summary>Gets whether this scope shares the connection of an enclosing scope (<see cref="ScopeOption.Required"/>).</summary>
    public bool IsJoined => JoinTarget is not null;

    /// <summary>Begins a transaction on the scope's connection.</summary>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <returns>The transaction; <see cref="Commit"/> or <see cref="Rollback"/> end it, and disposing the scope rolls it back if neither did.</returns>
    /// <exception cref="InvalidOperationException">A transaction is already in progress on the connection.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public MySqlTransaction BeginTransaction(IsolationLevel isolationLevel = IsolationLevel.Unspecified) =>
        BeginTransactionCoreAsync(IOBehavior.Synchronous, isolationLevel, default).RunSynchronously();

    /// <summary>Asynchronously begins a transaction on the scope's connection.</summary>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InvalidOperationException">A transaction is already in progress on the connection.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public ValueTask<MySqlTransaction> BeginTransactionAsync(IsolationLevel isolationLevel = IsolationLevel.Unspecified, CancellationToken cancellationToken = default) =>
        BeginTransactionCoreAsync(IOBehavior.Asynchronous, isolationLevel, cancellationToken);

    /// <summary>Commits the transaction this scope began.</summary>
    /// <exception cref="InvalidOperationException">No transaction is in progress, or it belongs to the scope this one joined.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public void Commit() => EndTransactionCoreAsync(IOBehavior.Synchronous, commit: true, default).RunSynchronously();

    /// <summary>Asynchronously commits the transaction this scope began.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server has committed.</returns>
    /// <exception cref="InvalidOperationException">No transaction is in progress, or it belongs to the scope this one joined.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        EndTransactionCoreAsync(IOBehavior.Asynchronous, commit: true, cancellationToken).AsTask();

    /// <summary>Rolls back the transaction this scope began.</summary>
    /// <exception cref="InvalidOperationException">No transaction is in progress, or it belongs to the scope this one joined.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public void Rollback() => EndTransactionCoreAsync(IOBehavior.Synchronous, commit: false, default).RunSynchronously();

    /// <summary>Asynchronously rolls back the transaction this scope began.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the server has rolled back.</returns>
    /// <exception cref="InvalidOperationException">No transaction is in progress, or it belongs to the scope this one joined.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public Task RollbackAsync(CancellationToken cancellationToken = default) =>
        EndTransactionCoreAsync(IOBehavior.Asynchronous, commit: false, cancellationToken).AsTask();

    /// <summary>Gets whether this scope has a transaction in progress that it began itself.</summary>
    internal bool HasOwnOpenTransaction => _lease.OwnsTransaction && Transaction is not null;

    private async ValueTask<MySqlTransaction> BeginTransactionCoreAsync(IOBehavior io, IsolationLevel isolationLevel, CancellationToken cancellationToken)
    {
        ThrowIfNotLive();
        Owner.ThrowIfStreamOpen();
        if (Transaction is not null)
        {
            throw new InvalidOperationException(IsJoined && !_lease.OwnsTransaction
                ? "This scope joined an enclosing scope that already has a transaction in progress; its commands run in that transaction. Commit or roll back through the enclosing scope."
                : "A transaction is already in progress on this scope. Commit or roll it back before beginning another, or open a savepoint scope with Open(ScopeOption.Nested).");
        }
        var connection = Owner.LiveConnection();
        MySqlTransaction transaction;
        try
        {
            if (Owner._lease.InheritsDiagnostics)
                await Owner.ClearInheritedDiagnosticsAsync(connection, io, cancellationToken).ConfigureAwait(false);
            transaction = io == IOBehavior.Synchronous
                ? connection.BeginTransaction(isolationLevel)
                : await connection.BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatementFailure(ex, connection, guard: null) is { } failure)
        {
            throw failure;
        }
        Owner._lease.Transaction = transaction;
        _lease.OwnsTransaction = true;
        if (_lease.ExtrasIfCreated?.Command is { } command)
            command.Transaction = transaction;
        return transaction;
    }

    private async ValueTask EndTransactionCoreAsync(IOBehavior io, bool commit, CancellationToken cancellationToken)
    {
        if (IsSavepoint)
        {
            await EndSavepointCoreAsync(io, commit, cancellationToken).ConfigureAwait(false);
            return;
        }
        var transaction = OwnTransaction(commit ? "Commit" : "Rollback");
        try
        {
            if (io == IOBehavior.Synchronous)
            {
                if (commit)
                    transaction.Commit();
                else
                    transaction.Rollback();
            }
            else if (commit)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (StatementFailure(ex, Owner._lease.Connection!, guard: null) is { } failure)
        {
            throw failure;   // a commit whose connection died: whether it committed is unknown (OutcomeUnknown)
        }
    }

    private MySqlTransaction OwnTransaction(string operation)
    {
        ThrowIfNotLive();
        var transaction = Transaction ?? throw new InvalidOperationException($"Cannot {operation.ToLowerInvariant()}: no transaction is in progress on this scope. Call BeginTransaction first.");
        if (!_lease.OwnsTransaction)
            throw new InvalidOperationException($"Cannot {operation.ToLowerInvariant()} here: this scope joined an enclosing scope whose transaction it is. {operation} through the enclosing scope.");
        Owner.ThrowIfStreamOpen();
        Owner.LiveConnection();
        return transaction;
    }

    /// <summary>Rolls back a transaction a joined scope began and left open (an owning scope's connection does it on close).</summary>
    private async ValueTask RollbackJoinedTransactionAsync(IOBehavior io)
    {
        if (!IsJoined || !HasOwnOpenTransaction)
            return;
        try
        {
            if (io == IOBehavior.Synchronous)
                Transaction!.Rollback();
            else
                await Transaction!.RollbackAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            // The enclosing scope's connection is broken or closed; its own disposal discards it.
        }
    }
}
