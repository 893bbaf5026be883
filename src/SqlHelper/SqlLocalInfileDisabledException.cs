namespace SqlHelpers;

/// <summary>
/// The exception thrown by a bulk insert when <c>LOAD DATA LOCAL INFILE</c>, which it needs, is turned off: in the
/// connection string (<c>AllowLoadLocalInfile</c>) or on the server (<c>local_infile</c>). Nothing was sent.
/// </summary>
public sealed class SqlLocalInfileDisabledException : SqlHelperException
{
    internal SqlLocalInfileDisabledException(bool disabledOnServer)
        : base(disabledOnServer
            ? "BulkInsert sends its rows with LOAD DATA LOCAL INFILE, but the server has local_infile turned off. Turn it on with SET GLOBAL local_infile = 1 (as an administrator) or local_infile = 1 in the server's configuration."
            : "BulkInsert sends its rows with LOAD DATA LOCAL INFILE, which the connection string does not allow. Add AllowLoadLocalInfile=true to the connection string; SqlHelper only ever sends rows from memory through it, never a file.")
    {
        DisabledOnServer = disabledOnServer;
    }

    /// <summary>Gets whether the server's <c>local_infile</c> is off (<c>true</c>) or the connection string lacks <c>AllowLoadLocalInfile=true</c> (<c>false</c>).</summary>
    public bool DisabledOnServer { get; }
}
