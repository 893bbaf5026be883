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
}
