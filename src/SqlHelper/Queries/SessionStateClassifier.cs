using System.Collections.Frozen;

namespace SqlHelpers.Queries;

/// <summary>
/// Decides, conservatively and without knowing the session's sql_mode, what an SQL text may do to the session and to the
/// data (see <see cref="StatementEffects"/>). Anything not understood is <see cref="StatementEffects.Unknown"/>.
/// </summary>
/// <remarks>
/// <para>A text is state-free when each of its statements is, and a statement is state-free when:</para>
/// <list type="bullet">
/// <item>it starts (after any <c>(</c>) with SELECT, VALUES, TABLE or WITH (reads) or UPDATE or DELETE (writes);</item>
/// <item>every <c>@name</c> is a bound parameter (any other is a user variable, read or written), every <c>@@name</c>
/// is only read, and nothing assigns (<c>:=</c>, <c>INTO</c>) or touches a sequence;</item>
/// <item>it has no comment at all (<c>/*! ... */</c> is executable, and the others are not worth telling apart);</item>
/// <item>every name followed by <c>(</c> is a reserved keyword, a type right after <c>AS</c>, or an allow-listed
/// built-in that is unqualified, unquoted and directly followed by <c>(</c> (<c>LAST_INSERT_ID</c> only without an
/// argument). A quoted name (<c>`f`(</c>, <c>"f"(</c>), a qualified one (<c>db.f(</c>) or any other name is a call
/// that may run a stored function;</item>
/// <item>it is lexed the same way under every sql_mode: a <c>'...'</c> or <c>"..."</c> token with a backslash ends in
/// different places with and without NO_BACKSLASH_ESCAPES, so it is not understood; a <c>"..."</c> token without one
/// ends in the same place whether ANSI_QUOTES makes it a string or an identifier, and as either it is harmless unless it
/// is called (<c>"f"(</c>); an unquoted name runs over every letter, digit, <c>_</c>, <c>$</c> and every character
/// from U+0080 up, as the server's does; and only space, tab, CR and LF count as whitespace. Any other character the
/// scanner does not know (<c>\</c>, <c>{</c>, <c>[</c>, control characters) makes the text not understood.</item>
/// </list>
/// <para>INSERT, REPLACE, SET, CALL, DO and every other start are not understood. Not seen at all: triggers fired by an
/// UPDATE or DELETE, views that call functions, and statement diagnostics (warnings, ROW_COUNT(), FOUND_ROWS()); see
/// docs/session-reset.md.</para>
/// </remarks>
internal static class SessionStateClassifier
{
    private static readonly FrozenDictionary<string, StatementEffects>.AlternateLookup<ReadOnlySpan<char>> Starts =
        SessionStateWords.StatementStarts.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Forbidden = SessionStateWords.Forbidden.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> WritesAfterWith = SessionStateWords.WritesAfterWith.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Reserved = SessionStateWords.ReservedBeforeParenthesis.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Types = SessionStateWords.TypesAfterAs.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> BuiltIns = SessionStateWords.BuiltIns.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Returns whether <paramref name="sql"/> certainly leaves the session unchanged.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="parameterNames">The names bound as parameters; any other <c>@name</c> is a session variable.</param>
    public static bool IsStateFree(string sql, IReadOnlySet<string> parameterNames) =>
        (Analyze(sql, parameterNames) & StatementEffects.ChangesSession) == 0;

    /// <summary>Returns what <paramref name="sql"/> may do to the session and to the data.</summary>
    /// <param name="sql">The SQL text: one statement or several separated by <c>;</c>.</param>
    /// <param name="parameterNames">The names bound as parameters; any other <c>@name</c> is a session variable.</param>
    public static StatementEffects Analyze(string sql, IReadOnlySet<string> parameterNames)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameterNames);
        var effects = StatementEffects.None;
        var expectStart = true;   // the next word starts a statement
        var inWith = false;       // the statement started with WITH
        var afterDot = false;     // the previous token was ".": a name here is qualified
        var afterAs = false;      // the previous token was the word AS
        var i = 0;
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
                var end = SqlLexer.SkipIdentifier(sql, i);
                var word = sql.AsSpan(i, end - i);
                var next = SqlLexer.SkipServerSpace(sql, end);
                var call = SqlLexer.At(sql, next, '(');
                if (expectStart)
                {
                    if (!Starts.TryGetValue(word, out var start))
                        return StatementEffects.Unknown;
                    effects |= start;
                    inWith = word.Equals("WITH", StringComparison.OrdinalIgnoreCase);
                    expectStart = false;
                }
                else if (Forbidden.Contains(word))
                {
                    return StatementEffects.Unknown;
                }
                else if (inWith && !call && WritesAfterWith.Contains(word))
                {
                    effects |= StatementEffects.Writes;
                }
                if (call && !MayPrecedeParenthesis(sql, word, qualified: afterDot, afterAs, direct: next == end, next))
                    return StatementEffects.Unknown;
                afterDot = false;
                afterAs = word.Equals("AS", StringComparison.OrdinalIgnoreCase);
                i = end;
                continue;
            }
            if (expectStart && ch is not ('(' or ';'))
                return StatementEffects.Unknown;
            afterAs = false;
            switch (ch)
            {
                case '\'' or '"' or '`':
                {
                    var end = SqlLexer.ScanQuoted(sql, i, ch);
                    if (end < 0 || SqlLexer.At(sql, SqlLexer.SkipServerSpace(sql, end), '('))
                        return StatementEffects.Unknown;   // a backslash or no end: mode-dependent; a quoted name before "(": a call
                    afterDot = false;
                    i = end;
                    continue;
                }
                case '@':
                {
                    var system = SqlLexer.At(sql, i + 1, '@');
                    var nameStart = system ? i + 2 : i + 1;
                    var end = SqlLexer.SkipParameterName(sql, nameStart);
                    if (end == nameStart)
                        return StatementEffects.Unknown;   // @'x', @"x", @`x`: a quoted variable (or parameter) name
                    if (!system && !parameterNames.Contains(sql[nameStart..end]))
                        effects |= StatementEffects.ChangesSession;   // a user variable, read or written
                    afterDot = false;
                    i = end;
                    continue;
                }
                case '?':
                    // A positional (?) or named (?name) MySqlConnector parameter: replaced by a literal, or a syntax error.
                    i = SqlLexer.SkipParameterName(sql, i + 1);
                    afterDot = false;
                    continue;
                case ':':
                    if (!SqlLexer.At(sql, i + 1, '='))
                        return StatementEffects.Unknown;
                    effects |= StatementEffects.ChangesSession;   // := assigns a user variable
                    i += 2;
                    afterDot = false;
                    continue;
                case ';':
                    expectStart = true;
                    inWith = false;
                    break;
                case '.':
                    afterDot = true;
                    i++;
                    continue;
                case '#':
                    return StatementEffects.Unknown;
                case '-' when SqlLexer.At(sql, i + 1, '-'):
                    return StatementEffects.Unknown;
                case '/' when SqlLexer.At(sql, i + 1, '*'):
                    return StatementEffects.Unknown;
                case '(' or ')' or ',' or '=' or '<' or '>' or '!' or '+' or '-' or '*' or '/' or '%' or '&' or '|' or '^' or '~':
                    break;
                default:
                    return StatementEffects.Unknown;   // \, {, [, control characters: read differently by some server or mode
            }
            afterDot = false;
            i++;
        }
        return effects;
    }

    private static bool MayPrecedeParenthesis(string sql, ReadOnlySpan<char> word, bool qualified, bool afterAs, bool direct, int openParenthesis)
    {
        if (qualified)
            return false;   // db.f( is a stored function
        if (Reserved.Contains(word) || (afterAs && Types.Contains(word)))
            return true;
        if (!direct || !BuiltIns.Contains(word))
            return false;   // "NOW (" is a stored function's name without IGNORE_SPACE
        if (word.Equals("LAST_INSERT_ID", StringComparison.OrdinalIgnoreCase))
            return SqlLexer.At(sql, SqlLexer.SkipServerSpace(sql, openParenthesis + 1), ')');   // LAST_INSERT_ID(expr) sets it
        return true;
    }
}
