namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// A fact that runs only with <c>SQLHELPER_ORACLE=1</c> (the long oracle soak); otherwise it is reported as skipped, with
/// the reason, in the counts line. The default run has its own bounded oracle test.
/// </summary>
public sealed class OracleFactAttribute : FactAttribute
{
    public OracleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SQLHELPER_ORACLE") != "1")
            Skip = "The long statement-oracle soak runs with SQLHELPER_ORACLE=1 (SQLHELPER_ORACLE_SEED, SQLHELPER_ORACLE_STATEMENTS and SQLHELPER_ORACLE_MINUTES set it); the default run checks a fixed seed for about a minute.";
    }
}
