namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// The parameters every oracle statement runs with: the classifier is told these names (as it would be for a Dapper
/// parameter object of this type) and <see cref="SessionOracle"/> binds them. The string values are full of quotes,
/// backslashes and SQL on purpose: bound values are sent as escaped literals and never change what a statement does.
/// </summary>
internal sealed record OracleParameters(int Id, int K, int N, string P, string Name, long Big)
{
    /// <summary>Returns the parameters for the <paramref name="index"/>-th statement.</summary>
    public static OracleParameters For(int index) =>
        new(1 + (index % 20), index % 5, index % 7, index % 2 == 0 ? "%a%" : "C:\\", index % 3 == 0 ? "O'Brien \\' \" @v0 := 1 -- " : "名前", 1_000_000);
}
