using SqlHelpers.Utilities;

namespace SqlHelpers;

// Open(ScopeOption.Nested): join the current scope and set a savepoint in its transaction. Not async methods: the
// joined scope is pushed on the caller's stack first, then the SAVEPOINT is sent; a failure disposes the scope again.
public sealed partial class SqlHelper
{
    private SqlScope OpenSavepoint(SqlScope current)
    {
        ThrowIfNoTransactionForSavepoint(current);
        var scope = _opener.OpenJoined(current);
        try
        {
            scope.SetSavepointAsync(IOBehavior.Synchronous, CancellationToken.None).RunSynchronously();
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    private ValueTask<SqlScope> OpenSavepointAsync(SqlScope current, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<SqlScope>(cancellationToken);
        ThrowIfNoTransactionForSavepoint(current);
        var scope = _opener.OpenJoined(current);
        return SetSavepointAsync(scope, cancellationToken);

        static async ValueTask<SqlScope> SetSavepointAsync(SqlScope scope, CancellationToken cancellationToken)
        {
            try
            {
                await scope.SetSavepointAsync(IOBehavior.Asynchronous, cancellationToken).ConfigureAwait(false);
                return scope;
            }
            catch
            {
                await scope.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Fails before anything is pushed when the current scope has no transaction to set a savepoint in.</summary>
    private static void ThrowIfNoTransactionForSavepoint(SqlScope current)
    {
        if (current.Transaction is null)
        {
            throw new InvalidOperationException(
                "ScopeOption.Nested needs a transaction in progress on the current scope, and there is none. Call BeginTransaction on the enclosing scope first, " +
                "or open the scope with ScopeOption.Required (join without a savepoint) or Open() (a connection and transaction of its own).");
        }
    }
}
