namespace SqlHelpers.Tests.SessionReset;

/// <summary>Which columns <see cref="StatementGenerator"/> may name where it is generating an expression.</summary>
internal enum ColumnScope
{
    /// <summary>No table: literals instead of columns.</summary>
    None,

    /// <summary><c>oracle_t t</c>: plain, quoted, qualified and non-ASCII column names.</summary>
    Aliased,

    /// <summary><c>oracle_t t</c> joined with <c>oracle_u</c>: no unqualified <c>id</c>.</summary>
    Joined,

    /// <summary><c>oracle_t</c> without an alias: unqualified names only.</summary>
    Plain,
}
