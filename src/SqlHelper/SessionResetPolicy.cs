namespace SqlHelpers;

/// <summary>Says when a pooled connection's session is reset (COM_RESET_CONNECTION) between scopes.</summary>
public enum SessionResetPolicy
{
    /// <summary>
    /// Every pooled open resets the session (MySqlConnector's <c>ConnectionReset=true</c>, or whatever the connection
    /// string says). One extra round trip per scope; nothing a scope did can reach the next borrower.
    /// </summary>
    Always,

    /// <summary>
    /// The pool does not reset; SqlHelper resets a connection when it is released only if the scope that used it may have
    /// changed session state: anything but plain, recognised SELECT / UPDATE / DELETE statements run through the helper API
    /// (the session reset page of SqlHelper's documentation lists them), any touch of <see cref="SqlScope.Connection"/> or <see cref="SqlScope.Command"/>, or a
    /// transaction left open. Clean scopes skip the round trip.
    /// </summary>
    WhenDirty,
}
