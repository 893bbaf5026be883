namespace SqlHelpers.Diagnostics;

/// <summary>The fixed event ids of SqlHelper's log events, grouped by area.</summary>
internal static class EventIds
{
    // Scope lifecycle: 1000-1099
    public const int ScopeOpened = 1000;
    public const int ScopeClosed = 1001;
    public const int ScopeMisnested = 1010;
    public const int ScopeReleaseFailed = 1011;
    public const int ScopeStillOpenAtHelperDispose = 1020;
    public const int ScopeLeakSuspected = 1030;
    public const int ScopeLeakReleased = 1031;
    public const int ScopeAbandoned = 1032;

    // Pool and admission: 2000-2099
    public const int PoolExhausted = 2000;
    public const int DeadConnectionReplaced = 2010;

    // Transactions: 3000-3099
    public const int SelfDeadlockDetectionOff = 3000;
    public const int SelfDeadlockCheckFailed = 3001;
    public const int TransactionRetry = 3010;

    // Replicas: 4000-4099
    public const int ReplicaUnavailable = 4000;
    public const int ReplicaAvailable = 4001;
    public const int ReplicaFallback = 4002;
    public const int ReplicaLagUnreadable = 4003;
}
