namespace SqlHelpers.Queries;

/// <summary>The few lexical steps SqlHelper's SQL scanners share: whitespace, names, quoted strings and identifiers.</summary>
internal static class SqlLexer
{
    /// <summary>Returns whether <paramref name="sql"/> has <paramref name="expected"/> at <paramref name="index"/>.</summary>
    public static bool At(string sql, int index, char expected) => index < sql.Length && sql[index] == expected;

    /// <summary>Returns the index of the first non-whitespace character at or after <paramref name="i"/>.</summary>
    public static int SkipSpace(string sql, int i)
    {
        while (i < sql.Length && char.IsWhiteSpace(sql[i]))
            i++;
        return i;
    }

    /// <summary>Returns the index just past the name (letters, digits, <c>_</c>, <c>$</c>, <c>.</c>) that starts at <paramref name="i"/>.</summary>
    public static int SkipName(string sql, int i)
    {
        while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$' or '.'))
            i++;
        return i;
    }

    /// <summary>
    /// Returns the index just past the quoted string or identifier whose opening <paramref name="quote"/> is at
    /// <paramref name="i"/>: a doubled quote stays inside, and so does a backslash escape (except in backticks).
    /// </summary>
    public static int SkipQuoted(string sql, int i, char quote)
    {
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == '\\' && quote != '`')
            {
                i += 2;
                continue;
            }
            if (sql[i] == quote)
            {
                if (At(sql, i + 1, quote))
                {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    /// <summary>
    /// Returns whether the server certainly reads <paramref name="ch"/> as whitespace in every character set: space, tab,
    /// line feed, carriage return. Other characters that .NET calls whitespace (no-break space, ideographic space, ...)
    /// are identifier characters to the server.
    /// </summary>
    public static bool IsSpace(char ch) => ch is ' ' or '\t' or '\n' or '\r';

    /// <summary>Returns the index of the first character at or after <paramref name="i"/> that <see cref="IsSpace"/> does not skip.</summary>
    public static int SkipServerSpace(string sql, int i)
    {
        while (i < sql.Length && IsSpace(sql[i]))
            i++;
        return i;
    }

    /// <summary>
    /// Returns whether <paramref name="ch"/> may be part of an unquoted identifier or keyword: ASCII letters and digits,
    /// <c>_</c>, <c>$</c>, and every character from U+0080 up (MariaDB and MySQL accept U+0080..U+FFFF in unquoted names;
    /// a surrogate half counts too, so a name is never cut shorter than the server would cut it).
    /// </summary>
    public static bool IsIdentifierChar(char ch) => ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '$' or >= '\u0080';

    /// <summary>Returns the index just past the run of <see cref="IsIdentifierChar"/> characters that starts at <paramref name="i"/>.</summary>
    public static int SkipIdentifier(string sql, int i)
    {
        while (i < sql.Length && IsIdentifierChar(sql[i]))
            i++;
        return i;
    }

    /// <summary>
    /// Returns the index just past the name of an <c>@name</c>, <c>@@name</c> or <c>?name</c> that starts at
    /// <paramref name="i"/>: identifier characters and <c>.</c>, exactly the characters MySqlConnector takes into a
    /// parameter name (and the server into a user variable name).
    /// </summary>
    public static int SkipParameterName(string sql, int i)
    {
        while (i < sql.Length && (IsIdentifierChar(sql[i]) || sql[i] == '.'))
            i++;
        return i;
    }

    /// <summary>
    /// Returns the index just past the quoted token whose opening <paramref name="quote"/> is at <paramref name="i"/>, or
    /// -1 when the token is not closed or, for <c>'</c> and <c>"</c>, when it contains a backslash. A doubled quote stays
    /// inside in every sql_mode; a backslash escapes the next character only without <c>NO_BACKSLASH_ESCAPES</c> (and never
    /// in a <c>"</c> identifier under <c>ANSI_QUOTES</c>), so a token with a backslash may end in different places under
    /// different modes. Without one, the token ends in the same place under every mode.
    /// </summary>
    public static int ScanQuoted(string sql, int i, char quote)
    {
        i++;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (ch == '\\' && quote != '`')
                return -1;
            if (ch == quote)
            {
                if (!At(sql, i + 1, quote))
                    return i + 1;
                i++;
            }
            i++;
        }
        return -1;
    }
}
