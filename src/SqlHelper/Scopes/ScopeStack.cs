namespace SqlHelpers.Scopes;

/// <summary>
/// The per-async-flow stack of scopes: an <see cref="AsyncLocal{T}"/> pointing at the innermost scope, each scope pointing
/// at its parent. Scopes disposed out of order or on another flow stay linked but are skipped by every reader.
/// </summary>
/// <remarks>
/// An <see cref="AsyncLocal{T}"/> change made inside an <c>async</c> method is undone when that method returns, so
/// <see cref="Push"/> and <see cref="Pop"/> are only ever called from plain (non-async) methods.
/// </remarks>
internal sealed class ScopeStack
{
    private readonly AsyncLocal<SqlScope?> _top = new();

    /// <summary>Gets the innermost open scope of the calling flow, or <c>null</c>.</summary>
    public SqlScope? Current
    {
        get
        {
            var scope = _top.Value;
            while (scope is not null && !scope.IsOpen)
                scope = scope.Parent;
            return scope;
        }
    }

    /// <summary>Gets the number of open scopes on the calling flow's stack (scopes disposed out of order are not counted).</summary>
    public int LiveDepth
    {
        get
        {
            var depth = 0;
            for (var scope = _top.Value; scope is not null; scope = scope.Parent)
            {
                if (scope.IsOpen)
                    depth++;
            }
            return depth;
        }
    }

    /// <summary>Gets the scope a new scope of the calling flow nests in: the innermost one that is open or still opening.</summary>
    public SqlScope? PeekForPush() => FirstNotEnded(_top.Value);

    /// <summary>Makes <paramref name="scope"/> the innermost scope of the calling flow.</summary>
    public void Push(SqlScope scope)
    {
        var before = ExecutionContext.Capture();   // null while the flow is suppressed: Pop then unlinks by writing
        _top.Value = scope;
        scope.Pushed = new PushedContexts(before, ExecutionContext.Capture());
    }

    /// <summary>
    /// Unlinks an ended scope from the calling flow when it is that flow's innermost scope (ignoring ended scopes above
    /// it). Returns <c>false</c> when it is not: a live scope sits above it, or it belongs to another flow.
    /// </summary>
    public bool Pop(SqlScope scope)
    {
        var pushed = scope.Pushed;
        scope.Pushed = default;   // a popped scope keeps no context alive (nor the values other code put in it)
        if (pushed.Before is { } before && pushed.After is { } after && ExecutionContext.Capture() == after)
        {
            // The flow's context is the one the push made, so the scope is its innermost entry: the context the push
            // replaced is that flow without it. Readers skip the ended scopes it may still point at, as below.
            // Restoring it allocates nothing, where writing the parent builds a new context (the outermost scope's pop
            // too, when the caller's context holds other values, as in ASP.NET Core).
            ExecutionContext.Restore(before);
            return true;
        }
        var top = _top.Value;
        while (top is not null && top != scope && top.IsDisposed)
            top = top.Parent;
        if (top != scope)
            return false;
        _top.Value = FirstNotEnded(scope.Parent);
        return true;
    }

    private static SqlScope? FirstNotEnded(SqlScope? scope)
    {
        while (scope is not null && scope.IsDisposed)
            scope = scope.Parent;
        return scope;
    }
}
