namespace SqlHelpers;

/// <summary>
/// Says whether a scope opened with <see cref="SqlHelper.Open(ScopeOption)"/> takes a connection of its own or joins the
/// calling flow's current scope (named after <c>System.Transactions.TransactionScopeOption</c>).
/// </summary>
public enum ScopeOption
{
    /// <summary>
    /// The scope takes its own connection, and so runs its own transactions: it does not see the enclosing scope's
    /// uncommitted rows, and its commit does not commit the enclosing scope's work. This is what <see cref="SqlHelper.Open()"/> does.
    /// </summary>
    RequiresNew,

    /// <summary>
    /// The scope joins <see cref="SqlHelper.Current"/> when the flow has one: same connection, same transaction, no new
    /// connection taken; disposing it ends neither. With no current scope it takes its own connection, as <see cref="RequiresNew"/>.
    /// </summary>
    Required,

    /// <summary>
    /// The scope joins <see cref="SqlHelper.Current"/> as <see cref="Required"/> does and sets a <c>SAVEPOINT</c> in its
    /// transaction (Spring's <c>PROPAGATION_NESTED</c>): its <see cref="SqlScope.Commit"/> releases the savepoint, its
    /// <see cref="SqlScope.Rollback"/> or a dispose without a commit rolls back to it, undoing only the nested scope's work.
    /// The current scope must have a transaction in progress, else <see cref="InvalidOperationException"/>: a "nested" unit
    /// of work outside any transaction is almost always a bug. With no current scope it takes its own connection, as <see cref="RequiresNew"/>.
    /// </summary>
    Nested,
}
