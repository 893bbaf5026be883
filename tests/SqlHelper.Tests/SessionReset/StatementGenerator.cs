using System.Text;
using SqlHelpers.Queries;
using static SqlHelpers.Tests.SessionReset.OracleVocabulary;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Generates SQL for the classifier oracle from a small grammar: plain parameterised statements that must stay
/// state-free, richer statements built from state-free parts (quoted and non-ASCII identifiers, double-quoted strings,
/// built-ins, subqueries, CTEs, unions), the same with one risky part spliced in (stored functions called by every
/// spelling, built-in names that may resolve to a stored function, user variables, assignments, sequences, locks,
/// executable comments, strings whose end depends on NO_BACKSLASH_ESCAPES or ANSI_QUOTES), every other statement
/// start, and multi-statements. The same seed gives the same statements.
/// </summary>
internal sealed class StatementGenerator(int seed, string database, bool mariaDb)
{
    private readonly Random _random = new(seed);
    private string? _pendingHazard;
    private ColumnScope _columns = ColumnScope.None;

    public GeneratedStatement Next()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 25 => new GeneratedStatement(Plain(), "plain"),
            < 48 => new GeneratedStatement(Clean(), "clean"),
            < 78 => new GeneratedStatement(Hazard(), "hazard"),
            < 93 => Other(),
            _ => Multi(),
        };
    }

    private string Plain()
    {
        var table = Fill(Pick(Tables));
        var sql = Pick(
            $"SELECT c FROM {table} WHERE id = @id",
            $"SELECT {Pick("c, k", "id, name", "*", "`c`, `k`", "k AS kk")} FROM {table} WHERE id = @id",
            $"SELECT * FROM {table} WHERE id > @id",
            $"SELECT COUNT(*) FROM {table}",
            $"SELECT id, name FROM {table} WHERE name LIKE @p ORDER BY id LIMIT 10",
            $"UPDATE {table} SET n = n + 1 WHERE id = @id",
            $"UPDATE {table} SET c = @name, k = k - 1 WHERE id = @id",
            $"DELETE FROM {table} WHERE id = @big",
            $"SELECT c, k FROM {table} WHERE id IN (@id, @k) AND k > @k",
            $"SELECT n FROM {table} WHERE id = @ID",
            $"SELECT COUNT(*) FROM {table} WHERE k = @k",
            $"SELECT id FROM {table} ORDER BY n DESC LIMIT 5");
        if (_random.Next(3) == 0 && database == database.ToLowerInvariant())
            sql = sql.ToLowerInvariant().Replace("@id", "@Id", StringComparison.Ordinal);
        return Respace(sql);
    }

    private string Clean()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 45 => Select(top: true),
            < 52 => Scoped(ColumnScope.None, () => $"SELECT {SelectList()}"),
            < 65 => Scoped(ColumnScope.Aliased, () => $"UPDATE oracle_t t SET {Pick("n", "k", "t.n")} = {Numeric()}{One(() => "", () => $", c = {Expr(1)}")} WHERE {Condition()}"),
            < 73 => Scoped(ColumnScope.Plain, () => $"DELETE FROM oracle_t WHERE id = @big{One(() => "", () => $" AND {Condition()}", () => $" OR k = {Expr(1)} AND id > 1000")}"),
            < 83 => One(
                () => $"WITH x AS ({Select(top: false)}) SELECT * FROM x",
                () => $"WITH `x` AS ({Select(top: false)}) SELECT * FROM x WHERE 1 = 1",
                () => "WITH RECURSIVE r AS (SELECT 1 AS i) SELECT i FROM r"),
            < 90 => $"({SelectOne()}) UNION {Pick("", "ALL ", "DISTINCT ")}({SelectOne()})",
            < 95 => Scoped(ColumnScope.None, () => $"VALUES ({Expr(1)}, {Expr(1)}), ({Expr(1)}, {Expr(1)})"),
            _ => One(
                () => "TABLE oracle_t",
                () => $"SELECT * FROM ({Select(top: false)}) AS d",
                () => Scoped(ColumnScope.Aliased, () => $"SELECT {Expr(0)} FROM oracle_t t WHERE EXISTS (SELECT 1 FROM oracle_u u WHERE u.t_id = t.id)")),
        };
    }

    private string Select(bool top)
    {
        var joined = _random.Next(4) == 0;
        return Scoped(joined ? ColumnScope.Joined : ColumnScope.Aliased, () =>
        {
            var builder = new StringBuilder("SELECT ");
            builder.Append(Pick("", "", "", "DISTINCT ", "ALL ", top ? "SQL_NO_CACHE " : "", top ? "SQL_CALC_FOUND_ROWS " : ""));
            var aggregate = _random.Next(5) == 0;
            builder.Append(aggregate ? Fill(Pick(Aggregates)) : SelectList());
            builder.Append(" FROM ").Append(Fill(Pick(Tables))).Append(" t");
            if (joined)
                builder.Append(Pick(" JOIN oracle_u u ON u.t_id = t.id", " LEFT JOIN oracle_u u ON u.id = t.id", " JOIN (SELECT id AS uid FROM oracle_u) s ON s.uid = t.id"));
            if (_random.Next(4) != 0)
                builder.Append(" WHERE ").Append(Condition());
            if (aggregate && _random.Next(3) == 0)
                builder.Append(" GROUP BY t.k HAVING COUNT(*) > ").Append(Pick("0", "@k", "1"));
            else if (_random.Next(3) == 0)
                builder.Append(" ORDER BY ").Append(One(() => Pick("t.id", "1", "t.id DESC", "`n`"), () => Expr(1)));
            if (_random.Next(3) == 0)
                builder.Append(" LIMIT ").Append(Pick("1", "10", "@k", "2, 3", "5 OFFSET 1"));
            if (top && _random.Next(12) == 0)
                builder.Append(Pick(" FOR UPDATE", " LOCK IN SHARE MODE"));
            return builder.ToString();
        });
    }

    private string SelectOne() => Scoped(ColumnScope.Aliased, () =>
        $"SELECT {Expr(0)} FROM {Fill(Pick(Tables))} t{One(() => "", () => $" WHERE {Condition()}")}{Pick("", " LIMIT 3", " ORDER BY 1")}");

    private string SelectList()
    {
        var count = _random.Next(1, 4);
        return string.Join(", ", Enumerable.Range(0, count).Select(_ => Expr(0) + Pick("", "", " AS a", " `alias`", " AS \"dq\"", " AS 名")));
    }

    private string Condition()
    {
        var id = _columns == ColumnScope.Plain ? "id" : "t.id";
        return _random.Next(6) switch
        {
            0 => $"{id} = @id",
            1 => $"{id} = @id AND {Expr(1)} IS NOT NULL",
            2 => $"{Expr(1)} {Pick("=", "<>", "<", ">=", "<=>", "LIKE")} {Expr(1)}",
            3 => $"{id} IN ({Pick("1, 2, 3", "@id, @k", "SELECT t_id FROM oracle_u WHERE v = @k")})",
            4 => $"NOT EXISTS (SELECT 1 FROM oracle_u WHERE v > {Expr(2)}) OR {id} BETWEEN 1 AND @k",
            _ => $"({Expr(1)} OR k = @k) AND {id} < 100",
        };
    }

    private string Numeric() => One(
        () => Pick("n + 1", "k - 1", "@n", "ABS(@k)", "(SELECT COUNT(*) FROM oracle_u)", "GREATEST(k, @k)", "n * 2", "CAST(@n AS SIGNED)"),
        () => Expr(1));

    private string Expr(int depth)
    {
        if (_pendingHazard is { } hazard && _random.Next(3) == 0)
        {
            _pendingHazard = null;
            return hazard;
        }
        var roll = depth >= 2 ? _random.Next(45) : _random.Next(100);
        return roll switch
        {
            < 12 => Pick(Literals),
            < 30 => ColumnOrLiteral(),
            < 40 => Pick(Parameters),
            < 45 => Pick(SystemVariables),
            < 67 => Fill(Pick(ScalarBuiltIns), depth),
            < 80 => $"{Operand(depth)} {Pick("+", "-", "*", "/", "DIV", "MOD", "=", "<>", "AND", "OR", "||", "XOR", "&", "|", "<<")} {Operand(depth)}",
            < 84 => $"({Expr(depth + 1)})",
            < 88 => $"CASE WHEN {Expr(depth + 1)} THEN {Expr(depth + 1)} ELSE {Expr(depth + 1)} END",
            < 93 => $"(SELECT {Pick("v", "MAX(v)", "t_id")} FROM oracle_u WHERE t_id {Pick("= @id", "= 1", "> 0")} LIMIT 1)",
            < 97 => $"{Operand(depth)} {Pick("IN", "NOT IN")} ({Pick("1, 2", "@id, @k, 3", "SELECT id FROM oracle_u")})",
            _ => $"{Pick("NOT ", "")}EXISTS (SELECT 1 FROM oracle_u WHERE v = {Operand(depth)})",
        };
    }

    /// <summary>A sub-expression, in parentheses when it has more than one token, so operator precedence never makes a syntax error.</summary>
    private string Operand(int depth)
    {
        var expression = Expr(depth + 1);
        return expression.Contains(' ', StringComparison.Ordinal) && !expression.StartsWith('(') ? $"({expression})" : expression;
    }

    private string ColumnOrLiteral() => _columns switch
    {
        ColumnScope.Aliased => Pick(AliasedColumns),
        ColumnScope.Joined => Pick(JoinedColumns),
        ColumnScope.Plain => Pick(PlainColumns),
        _ => Pick(Literals),
    };

    private string Scoped(ColumnScope columns, Func<string> build)
    {
        var outer = _columns;
        _columns = columns;
        try
        {
            return build();
        }
        finally
        {
            _columns = outer;
        }
    }

    private string Hazard()
    {
        var roll = _random.Next(100);
        if (roll < 12)
            return Fill(Pick(BackslashTemplates).Replace("{h}", RiskyCall(), StringComparison.Ordinal));
        if (roll < 24)
        {
            var comment = Pick(SelectListComments);
            return One(
                () => Scoped(ColumnScope.Plain, () => $"SELECT {Expr(1)} {comment} FROM oracle_t WHERE id = @id"),
                () => $"SELECT {comment} 1",
                () => $"UPDATE oracle_t SET n = n {comment} WHERE id = @id",
                () => $"SELECT c FROM oracle_t WHERE id = @id {comment}");
        }
        var hazard = roll switch
        {
            < 55 => RiskyCall(),
            < 70 => Fill(Pick(ShadowSpellings).Replace("{b}", Shadow(), StringComparison.Ordinal).Replace("{B}", Shadow().ToUpperInvariant(), StringComparison.Ordinal)),
            < 92 => Fill(Pick(RiskyExpressions)),
            _ => mariaDb ? Fill(Pick(SequenceExpressions)) : RiskyCall(),
        };
        _pendingHazard = hazard;
        var sql = Clean();
        _pendingHazard = null;
        _columns = ColumnScope.None;
        if (!sql.Contains(hazard, StringComparison.Ordinal))
        {
            // Pick evaluates every choice, so the hazard may have gone into one that was not taken.
            sql = Pick(
                $"SELECT {hazard} FROM oracle_t WHERE id = @id",
                $"SELECT {hazard}",
                $"SELECT c FROM oracle_t WHERE id = @id AND {hazard} IS NOT NULL",
                $"UPDATE oracle_t SET n = {hazard} WHERE id = @id",
                $"DELETE FROM oracle_t WHERE id = @big OR {hazard} IS NULL",
                $"SELECT id FROM oracle_t ORDER BY {hazard} LIMIT 1",
                $"WITH x AS (SELECT {hazard} AS a) SELECT a FROM x");
        }
        return sql;
    }

    private string RiskyCall()
    {
        var function = Pick(OracleSchema.SetVar, OracleSchema.SetVar, OracleSchema.Write, OracleSchema.Lock, OracleSchema.SetSys, OracleSchema.Pure, Pick(OracleSchema.NonAsciiFunctions));
        var spelling = Pick(CallSpellings).Replace("{F}", function.ToUpperInvariant(), StringComparison.Ordinal).Replace("{f}", function, StringComparison.Ordinal);
        if (function == OracleSchema.Pure)
            spelling = spelling.Replace("()", "(1)", StringComparison.Ordinal);
        return Fill(spelling);
    }

    private static readonly string[] BuiltInNames = [.. SessionStateWords.BuiltIns.Order(StringComparer.Ordinal)];

    private static readonly string[] OtherShadowedNames = [.. OracleSchema.ShadowedNames.Except(SessionStateWords.BuiltIns, StringComparer.OrdinalIgnoreCase)];

    /// <summary>A name that has a shadow stored function: mostly built-ins, sometimes a reserved word or a type (which cannot be called).</summary>
    private string Shadow() => (_random.Next(8) == 0 ? Pick(OtherShadowedNames) : Pick(BuiltInNames)).ToLowerInvariant();

    private GeneratedStatement Other()
    {
        var sql = mariaDb && _random.Next(8) == 0 ? Pick(MariaDbStatements) : Pick(OtherStatements);
        return new GeneratedStatement(Fill(sql), "other", ForceReset: LeavesUnseenState(sql));
    }

    private GeneratedStatement Multi()
    {
        var parts = Enumerable.Range(0, _random.Next(2, 4)).Select(_ => _random.Next(4) switch
        {
            0 => Plain(),
            1 => Clean(),
            2 => Hazard(),
            _ => Other().Sql,
        });
        var sql = string.Join(Pick(";", "; ", ";\n", " ;\r\n"), parts) + Pick("", ";", "; ");
        return new GeneratedStatement(sql, "multi", ForceReset: LeavesUnseenState(sql));
    }

    /// <summary>An open HANDLER or a prepared statement is state the snapshot does not read (neither can hide in a SELECT).</summary>
    private static bool LeavesUnseenState(string sql) => sql.Contains("HANDLER", StringComparison.Ordinal) || sql.Contains("PREPARE", StringComparison.Ordinal);

    private string Fill(string template, int depth = 0)
    {
        var sql = template.Replace("{db}", database, StringComparison.Ordinal).Replace("{seq}", "oracle_seq", StringComparison.Ordinal);
        while (sql.Contains("{e}", StringComparison.Ordinal))
        {
            var at = sql.IndexOf("{e}", StringComparison.Ordinal);
            sql = string.Concat(sql.AsSpan(0, at), Operand(depth), sql.AsSpan(at + 3));
        }
        return sql;
    }

    private string Respace(string sql)
    {
        if (_random.Next(3) != 0)
            return sql;
        var builder = new StringBuilder(sql.Length + 8);
        foreach (var ch in sql)
            builder.Append(ch == ' ' && _random.Next(4) == 0 ? Pick("\n", "\t", "  ", "\r\n", " \n ") : ch.ToString());
        return builder.ToString();
    }

    private string Pick(params string[] choices) => choices[_random.Next(choices.Length)];

    private string One(params Func<string>[] choices) => choices[_random.Next(choices.Length)]();
}
