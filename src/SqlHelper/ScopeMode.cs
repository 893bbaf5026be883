namespace SqlHelpers;

/// <summary>
/// Selects how <see cref="SqlHelper"/> tracks the scopes it opens.
/// </summary>
public enum ScopeMode
{
    /// <summary>
    /// Each async flow keeps its own stack of scopes; <see cref="SqlHelper.Current"/> is the innermost live scope of the
    /// calling flow, and nested <see cref="SqlHelper.Open()"/> calls each take their own connection.
    /// </summary>
    AsyncFlowStack,

    /// <summary>
    /// Each scope owns its connection and nothing is ambient: <see cref="SqlHelper.Current"/> is always <c>null</c> and the
    /// helper's query methods run on a short-lived scope of their own.
    /// </summary>
    PerInstance,
}
