namespace SqlHelpers.Testing.Utilities;

/// <summary>Quotes names and strings for the few statements that cannot take parameters (CREATE USER, GRANT).</summary>
internal static class SqlText
{
    /// <summary>Quotes an identifier: <c>my`db</c> becomes <c>`my``db`</c>.</summary>
    public static string Identifier(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    /// <summary>Quotes a string literal for the default SQL mode (backslash escapes on).</summary>
    public static string Literal(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Names an account that may connect from any host: <c>'user'@'%'</c>.</summary>
    public static string AnyHostAccount(string user) => Literal(user) + "@'%'";
}
