using System.Collections.Concurrent;
using SqlHelpers.Queries;

namespace SqlHelpers.Batches;

/// <summary>
/// Decides whether a statement given a sequence of rows may be sent as multi-row <c>INSERT ... VALUES (...),(...)</c>
/// statements (MySQL Connector/J's <c>rewriteBatchedStatements</c>), and takes it apart when it may. Only this form is
/// rewritten: <c>INSERT [LOW_PRIORITY | DELAYED | HIGH_PRIORITY] [IGNORE] [INTO] table [(columns)] VALUES (row)</c>, or
/// the same with <c>REPLACE</c>, optionally ending with one <c>;</c>. Anything not understood is not rewritten: comments,
/// a string or identifier with a backslash, <c>?</c> placeholders, <c>:=</c>, a second statement, a second row,
/// <c>ON DUPLICATE KEY UPDATE</c>, <c>RETURNING</c>, <c>INSERT ... SET</c>, <c>INSERT ... SELECT</c>, a subquery, a
/// <c>PARTITION</c> clause, and any text that mentions <c>LAST_INSERT_ID</c>.
/// </summary>
internal static class InsertRewrite
{
    private const int MaxCached = 1024;
    private static readonly ConcurrentDictionary<string, InsertShape?> Cache = new();

    /// <summary>Returns the parts of <paramref name="sql"/> when it may be rewritten, else <c>null</c>.</summary>
    public static InsertShape? TryParse(string sql)
    {
        if (Cache.TryGetValue(sql, out var shape))
            return shape;
        shape = Parse(sql);
        if (Cache.Count < MaxCached)
            Cache.TryAdd(sql, shape);
        return shape;
    }

    private enum Kind
    {
        Word,
        Identifier,
        Text,
        Parameter,
        Symbol,
    }

    private readonly record struct Token(Kind Kind, int Start, int End, string Text);

    private static InsertShape? Parse(string sql)
    {
        if (Tokenize(sql) is not { } tokens || tokens.Count == 0)
            return null;
        if (tokens.Any(static t => t.Kind == Kind.Word && (Is(t, "LAST_INSERT_ID") || Is(t, "SELECT"))))
            return null;
        var i = 0;
        if (!(Is(tokens[i], "INSERT") || Is(tokens[i], "REPLACE")))
            return null;
        var affectsOneRowEach = Is(tokens[i], "INSERT");
        i++;
        while (i < tokens.Count && (Is(tokens[i], "LOW_PRIORITY") || Is(tokens[i], "DELAYED") || Is(tokens[i], "HIGH_PRIORITY") || Is(tokens[i], "IGNORE")))
        {
            affectsOneRowEach &= !Is(tokens[i], "IGNORE") && !Is(tokens[i], "DELAYED");
            i++;
        }
        if (i < tokens.Count && Is(tokens[i], "INTO"))
            i++;
        if (!IsName(tokens, i) || Is(tokens[i], "VALUES") || Is(tokens[i], "VALUE") || Is(tokens[i], "SET"))
            return null;
        i++;
        if (IsSymbol(tokens, i, '.'))
        {
            if (!IsName(tokens, i + 1))
                return null;
            i += 2;
        }
        if (IsSymbol(tokens, i, '('))
        {
            i++;
            while (true)
            {
                if (!IsName(tokens, i))
                    return null;
                i++;
                if (IsSymbol(tokens, i, ')'))
                    break;
                if (!IsSymbol(tokens, i, ','))
                    return null;
                i++;
            }
            i++;
        }
        if (i >= tokens.Count || !(Is(tokens[i], "VALUES") || Is(tokens[i], "VALUE")))
            return null;
        var prefixEnd = tokens[i].End;
        i++;
        if (!IsSymbol(tokens, i, '('))
            return null;
        var rowStart = i;
        var depth = 0;
        for (; i < tokens.Count; i++)
        {
            if (IsSymbol(tokens, i, '('))
                depth++;
            else if (IsSymbol(tokens, i, ')') && --depth == 0)
                break;
            else if (IsSymbol(tokens, i, ';'))
                return null;
        }
        if (i >= tokens.Count)
            return null;
        var rowEnd = i;
        i++;
        if (IsSymbol(tokens, i, ';'))
            i++;
        if (i != tokens.Count)
            return null;   // ON DUPLICATE KEY UPDATE, RETURNING, a second row or statement, an alias: not rewritten
        var start = tokens[rowStart].Start;
        var parameters = new List<(int, int, string)>();
        for (var t = rowStart; t <= rowEnd; t++)
        {
            if (tokens[t].Kind == Kind.Parameter)
                parameters.Add((tokens[t].Start - start, tokens[t].End - tokens[t].Start, tokens[t].Text));
        }
        return new InsertShape(sql[..prefixEnd], sql[start..tokens[rowEnd].End], parameters, affectsOneRowEach);
    }

    /// <summary>Splits <paramref name="sql"/> into tokens, or returns <c>null</c> at anything it does not understand.</summary>
    private static List<Token>? Tokenize(string sql)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            i = SqlLexer.SkipServerSpace(sql, i);
            if (i >= sql.Length)
                return tokens;
            var ch = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (ch == '#' || (ch == '-' && next == '-') || (ch == '/' && next == '*') || ch == '?' || (ch == ':' && next == '='))
                return null;
            if (ch is '\'' or '"' or '`')
            {
                var end = SqlLexer.ScanQuoted(sql, i, ch);
                if (end < 0)
                    return null;
                tokens.Add(new Token(ch == '`' ? Kind.Identifier : Kind.Text, i, end, sql[i..end]));
                i = end;
            }
            else if (ch == '@')
            {
                if (next == '@')
                {
                    var end = SqlLexer.SkipParameterName(sql, i + 2);
                    tokens.Add(new Token(Kind.Word, i, end, sql[i..end]));
                    i = end;
                    continue;
                }
                var nameEnd = SqlLexer.SkipParameterName(sql, i + 1);
                if (nameEnd == i + 1)
                    return null;
                tokens.Add(new Token(Kind.Parameter, i, nameEnd, sql[(i + 1)..nameEnd]));
                i = nameEnd;
            }
            else if (SqlLexer.IsIdentifierChar(ch))
            {
                var end = SqlLexer.SkipIdentifier(sql, i);
                tokens.Add(new Token(Kind.Word, i, end, sql[i..end]));
                i = end;
            }
            else if (ch is '(' or ')' or ',' or '.' or ';' or '+' or '-' or '*' or '/' or '%' or '=' or '<' or '>' or '!' or '&' or '|' or '^' or '~' or ':')
            {
                tokens.Add(new Token(Kind.Symbol, i, i + 1, sql[i..(i + 1)]));
                i++;
            }
            else
            {
                return null;   // a character the server may read differently (no-break space, ...): not rewritten
            }
        }
    }

    private static bool Is(Token token, string word) => token.Kind == Kind.Word && token.Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    private static bool IsName(List<Token> tokens, int i) => i < tokens.Count && tokens[i].Kind is Kind.Word or Kind.Identifier;

    private static bool IsSymbol(List<Token> tokens, int i, char symbol) => i < tokens.Count && tokens[i].Kind == Kind.Symbol && tokens[i].Text[0] == symbol;
}
