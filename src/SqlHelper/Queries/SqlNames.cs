namespace SqlHelpers.Queries;

/// <summary>
/// The <c>@name</c> tokens of an SQL text, outside strings, quoted identifiers and comments, split into the names it uses
/// and the names it assigns as session variables. <c>@@system</c> variables are ignored.
/// </summary>
internal sealed class SqlNames
{
    private SqlNames(HashSet<string> used, HashSet<string> assigned)
    {
        Used = used;
        Assigned = assigned;
    }

    public HashSet<string> Used { get; }

    public HashSet<string> Assigned { get; }

    public static SqlNames Scan(string sql)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var assigned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var previousWord = "";
        var sawSet = false;
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (ch is '\'' or '"' or '`')
            {
                i = SqlLexer.SkipQuoted(sql, i, ch);
            }
            else if (ch == '-' && i + 2 < sql.Length && sql[i + 1] == '-' && char.IsWhiteSpace(sql[i + 2]) || ch == '#')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (ch == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (ch == '@')
            {
                if (i + 1 < sql.Length && sql[i + 1] == '@')
                {
                    i = SqlLexer.SkipName(sql, i + 2);   // @@system_variable
                    continue;
                }
                var start = i + 1;
                var end = SqlLexer.SkipName(sql, start);
                if (end > start)
                {
                    var name = sql[start..end];
                    used.Add(name);
                    if (IsAssignment(sql, end, previousWord, sawSet))
                        assigned.Add(name);
                }
                i = end;
            }
            else if (char.IsLetter(ch) || ch == '_')
            {
                var end = SqlLexer.SkipName(sql, i);
                previousWord = sql[i..end];
                sawSet |= previousWord.Equals("SET", StringComparison.OrdinalIgnoreCase);
                i = end;
            }
            else
            {
                if (!char.IsWhiteSpace(ch) && ch != ',')
                    previousWord = "";
                if (ch == ';')
                    sawSet = false;
                i++;
            }
        }
        return new SqlNames(used, assigned);
    }

    private static bool IsAssignment(string sql, int afterName, string previousWord, bool sawSet)
    {
        if (previousWord.Equals("SET", StringComparison.OrdinalIgnoreCase) || previousWord.Equals("INTO", StringComparison.OrdinalIgnoreCase))
            return true;
        var j = afterName;
        while (j < sql.Length && char.IsWhiteSpace(sql[j]))
            j++;
        if (j + 1 < sql.Length && sql[j] == ':' && sql[j + 1] == '=')
            return true;
        // SET @a = 1, @b = 2 (after a SET, "@name =" assigns; "=" inside WHERE may be missed, which only skips a check)
        return sawSet && j < sql.Length && sql[j] == '=' && (j + 1 >= sql.Length || sql[j + 1] != '=');
    }
}
