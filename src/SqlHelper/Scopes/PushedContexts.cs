namespace SqlHelpers.Scopes;

/// <summary>
/// The execution contexts of a flow just before and just after a scope was pushed on its stack. While the flow's context
/// is still <see cref="After"/>, nothing changed it since the push, and putting back <see cref="Before"/> unlinks the
/// scope without building a new context.
/// </summary>
internal readonly record struct PushedContexts(ExecutionContext? Before, ExecutionContext? After);
