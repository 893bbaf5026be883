namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// A fact that runs only with <c>SQLHELPER_ORACLE=1</c>; otherwise it is reported as skipped, with the reason, in the
/// counts line. The generated-statement oracle crashed the shared MariaDB 10.11 test server twice in about five full runs
/// (every test after it then failed); until the crashing statement is found and the oracle runs on a server of its own,
/// it stays out of the default run, visibly.
/// </summary>
public sealed class OracleFactAttribute : FactAttribute
{
    public OracleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SQLHELPER_ORACLE") != "1")
            Skip = "The statement oracle intermittently crashes the shared test server; run it with SQLHELPER_ORACLE=1.";
    }
}
