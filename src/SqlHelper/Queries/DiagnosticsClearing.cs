namespace SqlHelpers.Queries;

/// <summary>
/// Decides whether a statement empties the session's diagnostics area (what <c>SHOW WARNINGS</c> and
/// <c>@@warning_count</c> read) before anything in it can read the area. The server clears the warning list at the start
/// of every statement that uses a table, and an error replaces it; a statement without a table (<c>SELECT 1</c>,
/// <c>SELECT NOW()</c>, <c>SET</c>, <c>DO</c>, <c>VALUES</c>, <c>SHOW WARNINGS</c> itself) leaves the last statement's
/// warnings readable, even those of the previous borrower of a pooled connection.
/// </summary>
/// <remarks>
/// Conservative: <c>true</c> only when the first statement of the text starts with INSERT, REPLACE, UPDATE or DELETE
/// (each names a table), or is a SELECT or WITH that <see cref="SessionStateClassifier"/> understood and whose outermost
/// FROM is followed by a table name (not <c>DUAL</c>), a quoted name or a derived table. Measured against MariaDB by
/// <c>ClassifierOracleTests</c>, which plants a warning before such statements and checks it is gone.
/// </remarks>
internal static class DiagnosticsClearing
{
    /// <summary>The statement SqlHelper sends to empty the diagnostics area: it uses a derived table, returns no rows and changes nothing.</summary>
    public const string ClearStatement = "DO (SELECT 1 FROM (SELECT 1) AS sqlhelper_clear)";

    /// <summary>Returns whether the first statement of <paramref name="sql"/> certainly empties the diagnostics area before anything can read it.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="effects">What <see cref="SessionStateClassifier"/> said about the text (only an understood text's FROM is trusted).</param>
    public static bool ClearsFirst(string sql, StatementEffects effects)
    {
        var i = SqlLexer.SkipServerSpace(sql, 0);
        if (i >= sql.Length || !SqlLexer.IsIdentifierChar(sql[i]))
            return false;
        var end = SqlLexer.SkipIdentifier(sql, i);
        var first = sql.AsSpan(i, end - i);
        if (first.Equals("INSERT", StringComparison.OrdinalIgnoreCase) || first.Equals("REPLACE", StringComparison.OrdinalIgnoreCase) ||
            first.Equals("UPDATE", StringComparison.OrdinalIgnoreCase) || first.Equals("DELETE", StringComparison.OrdinalIgnoreCase))
            return true;
        if (effects == StatementEffects.Unknown ||
            !(first.Equals("SELECT", StringComparison.OrdinalIgnoreCase) || first.Equals("WITH", StringComparison.OrdinalIgnoreCase)))
            return false;

        var depth = 0;
        var afterFrom = false;
        i = end;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (SqlLexer.IsSpace(ch))
            {
                i++;
                continue;
            }
            if (SqlLexer.IsIdentifierChar(ch))
            {
                end = SqlLexer.SkipIdentifier(sql, i);
                var word = sql.AsSpan(i, end - i);
                if (afterFrom)
                    return !word.Equals("DUAL", StringComparison.OrdinalIgnoreCase);
                afterFrom = depth == 0 && word.Equals("FROM", StringComparison.OrdinalIgnoreCase);
                i = end;
                continue;
            }
            if (afterFrom)
                return ch is '`' or '(';   // a quoted table name or a derived table
            switch (ch)
            {
                case '\'' or '"' or '`':
                    end = SqlLexer.ScanQuoted(sql, i, ch);
                    if (end < 0)
                        return false;
                    i = end;
                    continue;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ';':
                    return false;   // the first statement ended without a table
            }
            i++;
        }
        return false;
    }
}
