using System.Collections.Frozen;

namespace SqlHelpers.Queries;

/// <summary>
/// The word lists <see cref="SessionStateClassifier"/> works from. Every list is checked against a real server by
/// <c>ClassifierOracleTests</c>: the words allowed before <c>(</c> are reserved (so they can never name a stored function)
/// and the built-ins resolve to the native function even when a stored function of the same name exists.
/// </summary>
internal static class SessionStateWords
{
    /// <summary>Gets the words that may start a state-free statement, with what the statement may do.</summary>
    public static FrozenDictionary<string, StatementEffects> StatementStarts { get; } = new Dictionary<string, StatementEffects>
    {
        ["SELECT"] = StatementEffects.None,
        ["VALUES"] = StatementEffects.None,
        ["TABLE"] = StatementEffects.None,
        ["WITH"] = StatementEffects.None,   // WITH ... UPDATE / DELETE (MySQL 8) is caught by WritesAfterWith
        ["UPDATE"] = StatementEffects.Writes,
        ["DELETE"] = StatementEffects.Writes,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the words that make a WITH statement a write when they appear in it other than as a call.</summary>
    public static FrozenSet<string> WritesAfterWith { get; } = new[] { "UPDATE", "DELETE", "INSERT", "REPLACE" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the words that make any statement not understood: assignments to variables and files (<c>INTO</c>) and
    /// sequences (<c>NEXT VALUE FOR s</c>, <c>NEXTVAL(s)</c>, and <c>s.nextval</c> / <c>s.currval</c>, which need no
    /// parenthesis under sql_mode=ORACLE).
    /// </summary>
    public static FrozenSet<string> Forbidden { get; } = new[]
    {
        "INTO", "OUTFILE", "DUMPFILE", "NEXT", "PREVIOUS", "NEXTVAL", "CURRVAL", "LASTVAL", "SETVAL",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the keywords that may stand before <c>(</c> without being a call, with or without whitespace between. Each is
    /// reserved in MariaDB and MySQL, so no unqualified <c>word(</c> can call a stored function.
    /// </summary>
    public static FrozenSet<string> ReservedBeforeParenthesis { get; } = new[]
    {
        "IN", "VALUES", "EXISTS", "AND", "OR", "NOT", "XOR", "ON", "WHERE", "SELECT", "FROM", "JOIN", "AS", "USING", "OVER",
        "ALL", "WHEN", "THEN", "ELSE", "BY", "HAVING", "DISTINCT", "UNION", "LIKE", "BETWEEN", "IS", "INTERVAL", "SET", "LIMIT",
        "CASE", "WINDOW", "PARTITION", "EXCEPT", "INTERSECT", "DIV", "MOD", "BINARY",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the type names that may stand before <c>(</c> right after <c>AS</c>, as in <c>CAST(x AS DECIMAL(10, 2))</c>:
    /// there the grammar wants a type, and <c>AS name(</c> can never be a call.
    /// </summary>
    public static FrozenSet<string> TypesAfterAs { get; } = new[]
    {
        "BINARY", "CHAR", "NCHAR", "VARCHAR", "DATETIME", "TIME", "DECIMAL", "FLOAT", "DOUBLE",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the built-in functions a state-free statement may call, unqualified and directly followed by <c>(</c>. With a
    /// space before the parenthesis and without sql_mode IGNORE_SPACE, some of these names (COUNT, SUM, NOW, SUBSTRING,
    /// ...) are read as a stored function's name. <c>LAST_INSERT_ID</c> is allowed only without an argument.
    /// </summary>
    public static FrozenSet<string> BuiltIns { get; } = new[]
    {
        "COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "STD", "STDDEV", "VARIANCE", "BIT_AND", "BIT_OR", "BIT_XOR",
        "ROW_NUMBER", "RANK", "DENSE_RANK", "NTILE", "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE", "PERCENT_RANK", "CUME_DIST",
        "ABS", "ROUND", "FLOOR", "CEIL", "CEILING", "TRUNCATE", "SIGN", "SQRT", "POW", "POWER", "EXP", "LN", "LOG", "LOG2", "LOG10", "PI", "RAND",
        "COALESCE", "IFNULL", "NULLIF", "IF", "ISNULL", "GREATEST", "LEAST", "FIELD", "FIND_IN_SET", "ELT",
        "CONCAT", "CONCAT_WS", "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH", "LOWER", "UPPER", "LCASE", "UCASE",
        "SUBSTRING", "SUBSTR", "MID", "LEFT", "RIGHT", "TRIM", "LTRIM", "RTRIM", "REPLACE", "LOCATE", "INSTR", "POSITION", "LPAD", "RPAD",
        "REVERSE", "REPEAT", "SPACE", "FORMAT", "ASCII", "ORD", "CHAR", "HEX", "UNHEX", "BIN", "OCT", "CONV", "MD5", "SHA1", "SHA2", "CRC32",
        "NOW", "CURDATE", "CURTIME", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP",
        "SYSDATE", "DATE", "TIME", "YEAR", "MONTH", "DAY", "DAYOFMONTH", "DAYOFWEEK", "DAYOFYEAR", "WEEK", "HOUR", "MINUTE", "SECOND",
        "DATE_ADD", "DATE_SUB", "ADDDATE", "SUBDATE", "DATEDIFF", "TIMEDIFF", "TIMESTAMPDIFF", "TIMESTAMPADD", "UNIX_TIMESTAMP",
        "FROM_UNIXTIME", "DATE_FORMAT", "STR_TO_DATE", "LAST_DAY", "EXTRACT",
        "CAST", "CONVERT", "UUID", "INET_ATON", "INET_NTOA", "BIT_COUNT",
        "JSON_EXTRACT", "JSON_UNQUOTE", "JSON_OBJECT", "JSON_ARRAY", "JSON_CONTAINS", "JSON_LENGTH", "JSON_VALUE",
        "CONNECTION_ID", "DATABASE", "SCHEMA", "VERSION", "USER", "CURRENT_USER", "ROW_COUNT", "FOUND_ROWS", "SLEEP",
        "LAST_INSERT_ID",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
