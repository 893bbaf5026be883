namespace SqlHelpers.Pooling;

/// <summary>Why an open could not get a connection.</summary>
internal enum ExhaustionReason
{
    /// <summary><see cref="SqlHelperOptions.Blocking"/> is off and none was free.</summary>
    NotBlocking,

    /// <summary>The wait passed <see cref="SqlHelperOptions.AcquireTimeout"/>.</summary>
    TimedOut,

    /// <summary>The calling flow holds every connection the open could get and is itself the one waiting.</summary>
    WouldDeadlock,
}
