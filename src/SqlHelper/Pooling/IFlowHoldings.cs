namespace SqlHelpers.Pooling;

/// <summary>
/// The enclosing scopes of an opening scope, as admission sees them: how many connections of a pool the calling flow's
/// own stack already holds. Implemented by the scope a new scope nests in, so admission never needs to know scopes.
/// </summary>
internal interface IFlowHoldings
{
    /// <summary>Counts the connections of <paramref name="pool"/> held by this scope and the live scopes it is nested in.</summary>
    /// <param name="pool">The pool being admitted to.</param>
    /// <param name="allOpenedOnThisThread">Whether every one of them was opened on the calling thread.</param>
    int CountHeld(ScopePool pool, out bool allOpenedOnThisThread);
}
