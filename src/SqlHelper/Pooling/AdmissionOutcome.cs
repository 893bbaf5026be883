namespace SqlHelpers.Pooling;

/// <summary>How a wait for an admission slot ended (or that it has not yet).</summary>
internal enum AdmissionOutcome
{
    /// <summary>Still queued.</summary>
    Pending,

    /// <summary>The waiter holds a slot.</summary>
    Admitted,

    /// <summary>The wait passed the gate's acquire timeout; nothing is held.</summary>
    TimedOut,

    /// <summary>The wait's cancellation token was cancelled; nothing is held.</summary>
    Canceled,

    /// <summary>The gate failed every waiter (its helper was disposed); nothing is held.</summary>
    Failed,
}
