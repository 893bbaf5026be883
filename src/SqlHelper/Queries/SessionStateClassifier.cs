namespace SqlHelpers.Queries;

/// <summary>
/// Decides, conservatively, whether an SQL text leaves the session as it found it. Only plain SELECT, UPDATE and DELETE
/// statements are state-free, and only when every function they call is a built-in from an allow-list, every
/// <c>@name</c> is a bound parameter, and nothing assigns (<c>:=</c>, <c>INTO</c>), comments (executable comments could
/// hide anything) or reads a sequence. Anything not recognised is dirty.
/// </summary>
/// <remarks>
/// INSERT and REPLACE count as dirty: they set <c>LAST_INSERT_ID()</c>, which the next borrower could read.
/// Statement diagnostics (<c>ROW_COUNT()</c>, <c>FOUND_ROWS()</c>, warnings) are overwritten by the next statement and are
/// not counted as session state.
/// </remarks>
internal static class SessionStateClassifier
{
    private static readonly HashSet<string> s_statementStarts = new(StringComparer.OrdinalIgnoreCase) { "SELECT", "UPDATE", "DELETE" };

    private static readonly HashSet<string> s_forbiddenWords = new(StringComparer.OrdinalIgnoreCase) { "INTO", "NEXT", "PREVIOUS", "OUTFILE", "DUMPFILE" };

    // Words that may stand before "(" without being a function call.
    private static readonly HashSet<string> s_keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "IN", "VALUES", "VALUE", "EXISTS", "AND", "OR", "NOT", "XOR", "ON", "WHERE", "SELECT", "FROM", "JOIN", "AS", "USING", "OVER",
        "ALL", "ANY", "SOME", "WHEN", "THEN", "ELSE", "BY", "HAVING", "DISTINCT", "UNION", "LIKE", "BETWEEN", "IS", "INTERVAL",
        "SET", "LIMIT", "CASE", "RETURNING", "WINDOW", "PARTITION", "EXCEPT", "INTERSECT", "DIV", "MOD",
    };

    private static readonly HashSet<string> s_functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "STD", "STDDEV", "VARIANCE", "BIT_AND", "BIT_OR", "BIT_XOR",
        "ABS", "ROUND", "FLOOR", "CEIL", "CEILING", "TRUNCATE", "SIGN", "SQRT", "POW", "POWER", "EXP", "LN", "LOG", "LOG2", "LOG10", "PI", "RAND",
        "COALESCE", "IFNULL", "NULLIF", "IF", "ISNULL", "GREATEST", "LEAST", "FIELD", "FIND_IN_SET", "ELT",
        "CONCAT", "CONCAT_WS", "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH", "LOWER", "UPPER", "LCASE", "UCASE",
        "SUBSTRING", "SUBSTR", "MID", "LEFT", "RIGHT", "TRIM", "LTRIM", "RTRIM", "REPLACE", "LOCATE", "INSTR", "POSITION", "LPAD", "RPAD",
        "REVERSE", "REPEAT", "SPACE", "FORMAT", "ASCII", "ORD", "CHAR", "HEX", "UNHEX", "BIN", "OCT", "CONV", "MD5", "SHA1", "SHA2", "CRC32",
        "NOW", "CURDATE", "CURTIME", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP",
        "SYSDATE", "DATE", "TIME", "YEAR", "MONTH", "DAY", "DAYOFMONTH", "DAYOFWEEK", "DAYOFYEAR", "WEEK", "HOUR", "MINUTE", "SECOND",
        "DATE_ADD", "DATE_SUB", "ADDDATE", "SUBDATE", "DATEDIFF", "TIMEDIFF", "TIMESTAMPDIFF", "TIMESTAMPADD", "UNIX_TIMESTAMP",
        "FROM_UNIXTIME", "DATE_FORMAT", "STR_TO_DATE", "LAST_DAY", "EXTRACT",
        "CAST", "CONVERT", "BINARY", "DECIMAL", "SIGNED", "UNSIGNED", "DATETIME", "NCHAR", "UUID", "INET_ATON", "INET_NTOA", "BIT_COUNT",
        "JSON_EXTRACT", "JSON_UNQUOTE", "JSON_OBJECT", "JSON_ARRAY", "JSON_CONTAINS", "JSON_LENGTH", "JSON_VALUE",
        "CONNECTION_ID", "DATABASE", "SCHEMA", "VERSION", "USER", "CURRENT_USER", "ROW_COUNT", "FOUND_ROWS", "SLEEP",
        "LAST_INSERT_ID",   // only without arguments: LAST_INSERT_ID(expr) sets it (checked below)
    };

    /// <summary>Returns whether <paramref name="sql"/> certainly leaves the session unchanged.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="parameterNames">The names bound as parameters; any other <c>@name</c> is a session variable.</param>
    public static bool IsStateFree(string sql, IReadOnlySet<string> parameterNames)
    {
        var firstWord = true;
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (char.IsWhiteSpace(ch) || ch == ',')
            {
                i++;
                continue;
            }
            if (ch is '\'' or '"' or '`')
            {
                i = SqlLexer.SkipQuoted(sql, i, ch);
                continue;
            }
            if (ch == '#' || (ch == '-' && SqlLexer.At(sql, i + 1, '-')) || (ch == '/' && SqlLexer.At(sql, i + 1, '*')))
                return false;   // comments may be executable (/*! ... */); not worth parsing
            if (ch == ';')
            {
                // Another statement may follow; classify it from scratch.
                firstWord = true;
                i++;
                continue;
            }
            if (ch == ':' && SqlLexer.At(sql, i + 1, '='))
                return false;
            if (ch == '@')
            {
                if (SqlLexer.At(sql, i + 1, '@'))
                {
                    i = SqlLexer.SkipName(sql, i + 2);   // reading @@system variables is fine; SET is not an allowed start
                    continue;
                }
                var end = SqlLexer.SkipName(sql, i + 1);
                if (end == i + 1 || !parameterNames.Contains(sql[(i + 1)..end]))
                    return false;   // a session variable
                i = end;
                continue;
            }
            if (char.IsLetter(ch) || ch == '_')
            {
                var end = SqlLexer.SkipName(sql, i);
                var word = sql[i..end];
                if (firstWord)
                {
                    if (!s_statementStarts.Contains(word))
                        return false;
                    firstWord = false;
                }
                else if (s_forbiddenWords.Contains(word))
                {
                    return false;
                }
                var next = SqlLexer.SkipSpace(sql, end);
                if (SqlLexer.At(sql, next, '(') && !IsAllowedBeforeParenthesis(word, sql, next))
                    return false;
                i = end;
                continue;
            }
            if (firstWord && ch != '(')
                return false;
            i++;
        }
        return true;
    }

    private static bool IsAllowedBeforeParenthesis(string word, string sql, int openParenthesis)
    {
        if (s_keywords.Contains(word))
            return true;
        // "FROM t (" cannot happen in the allowed statements; a qualified name like db.f( is never allowed.
        if (word.Contains('.', StringComparison.Ordinal) || !s_functions.Contains(word))
            return false;
        if (word.Equals("LAST_INSERT_ID", StringComparison.OrdinalIgnoreCase))
            return SqlLexer.At(sql, SqlLexer.SkipSpace(sql, openParenthesis + 1), ')');
        return true;
    }
}
