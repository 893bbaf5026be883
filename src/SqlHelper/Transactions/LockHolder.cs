namespace SqlHelpers.Transactions;

/// <summary>An enclosing scope of the same flow with a transaction in progress on another connection.</summary>
internal readonly record struct LockHolder(int ConnectionId, int Depth);
