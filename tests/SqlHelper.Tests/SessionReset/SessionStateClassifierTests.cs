using SqlHelpers.Queries;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Examples for <see cref="SessionStateClassifier"/>, each one a rule or a defect that was found. The real check is
/// <see cref="ClassifierOracleTests"/>, which runs generated statements against a server.
/// </summary>
public sealed class SessionStateClassifierTests
{
    private static readonly HashSet<string> Names = new(["id", "ids", "k", "p", "name"], StringComparer.OrdinalIgnoreCase);

    [Theory]
    [InlineData("SELECT c FROM sbtest1 WHERE id = @id", true)]
    [InlineData("select c, k from sbtest1 where id in @ids and k > @k", true)]
    [InlineData("UPDATE t SET n = n + 1, m = COALESCE(m, 0) WHERE id = @id", true)]
    [InlineData("DELETE FROM t WHERE id = @id", true)]
    [InlineData("SELECT COUNT(*), MAX(k), NOW() FROM t WHERE c LIKE CONCAT(@id, '%')", true)]
    [InlineData("SELECT '@not_a_var', `weird``name` FROM t", true)]
    [InlineData("SELECT LAST_INSERT_ID()", true)]
    [InlineData("SELECT @@session.time_zone", true)]
    [InlineData("SELECT 1; SELECT 2", true)]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x", true)]
    [InlineData("SELECT `t`.`c`, t.`名前`, 名前, `a b` FROM `db`.`t` AS t WHERE t.id = @id", true)]
    [InlineData("SELECT CAST(n AS DECIMAL(10, 2)), CONVERT(c USING utf8mb4) FROM t WHERE k IN (1, 2) AND NOT EXISTS (SELECT 1 FROM u)", true)]
    [InlineData("SELECT c FROM t WHERE name = \"O'Brien\" AND c = 'it''s'", true)]
    [InlineData("SELECT c FROM t WHERE id = ?id", true)]
    [InlineData("INSERT INTO t (id) VALUES (@id)", false)]
    [InlineData("SELECT @x", false)]
    [InlineData("SELECT LAST_INSERT_ID(5)", false)]
    [InlineData("SELECT my_func(@id)", false)]
    [InlineData("SELECT db.f(@id)", false)]
    [InlineData("SELECT c FROM t WHERE id = @id FOR UPDATE; SET @a = 1", false)]
    [InlineData("SELECT c INTO @v FROM t", false)]
    [InlineData("SELECT 1 -- comment", false)]
    [InlineData("SELECT 1 /*! , @x := 1 */", false)]
    [InlineData("SELECT 1 # comment", false)]
    [InlineData("SELECT NEXT VALUE FOR s", false)]
    [InlineData("SELECT s.nextval", false)]                                     // a sequence under sql_mode=ORACLE
    [InlineData("SELECT NEXTVAL(s)", false)]
    public void Classifier_RecognisesOnlyPlainStatements(string sql, bool stateFree) =>
        Assert.Equal(stateFree, SessionStateClassifier.IsStateFree(sql, Names));

    /// <summary>Each of these called a stored function (or assigned a variable) and was once classed clean.</summary>
    [Theory]
    [InlineData("SELECT `f`()")]
    [InlineData("SELECT `db`.`f`()")]
    [InlineData("SELECT db.`f` ()")]
    [InlineData("SELECT c FROM t WHERE id = `f`()")]
    [InlineData("SELECT c FROM t WHERE id = `db` . f ()")]
    [InlineData("SELECT \"f\"()")]                                               // a call under ANSI_QUOTES
    [InlineData("SELECT \"db\".\"f\"()")]
    [InlineData("SELECT ƒ()")]                                                  // unquoted non-ASCII names
    [InlineData("SELECT 函数(1)")]
    [InlineData("SELECT NOW€()")]
    [InlineData("SELECT 1NOW()")]
    [InlineData("SELECT now\u2007()")]                                          // U+2007 is whitespace to .NET, a name character to the server
    [InlineData("SELECT 1 FROM t WHERE 1 = IN\u00A0()")]
    [InlineData("SELECT COUNT (*) FROM t")]                                     // without IGNORE_SPACE, "COUNT (" names a stored function
    [InlineData("SELECT NOW\t()")]
    [InlineData("SELECT 'C:\\' AS dir, @v := 'x'")]                             // NO_BACKSLASH_ESCAPES ends the string after C:\
    [InlineData("SELECT 'a\\'', f(), ''")]
    [InlineData("SELECT \"C:\\\" AS dir, f()")]
    [InlineData("SELECT c FROM t WHERE c = 'x\\' OR f() OR c = ''")]
    [InlineData("SELECT @'v'")]
    [InlineData("SELECT @`v`")]
    [InlineData("SELECT \\N")]
    [InlineData("SELECT {fn NOW()}")]
    [InlineData("SELECT\u00A0f()")]
    [InlineData("SELECT 1\u000B")]
    public void Classifier_CallsAndModeDependentLexing_AreDirty(string sql) =>
        Assert.False(SessionStateClassifier.IsStateFree(sql, Names), sql);

    [Theory]
    [InlineData("SELECT c FROM t WHERE id = @id", "None")]
    [InlineData("(SELECT 1) UNION (SELECT 2)", "None")]
    [InlineData("UPDATE t SET n = n + 1 WHERE id = @id", "Writes")]
    [InlineData("DELETE FROM t WHERE id = @id", "Writes")]
    [InlineData("SELECT 1; DELETE FROM t WHERE id = @id", "Writes")]
    [InlineData("SELECT 1; INSERT INTO t VALUES (1)", "Unknown")]   // read-your-writes: a write after a SELECT
    [InlineData("WITH x AS (SELECT 1) DELETE FROM t", "Writes")]
    [InlineData("SELECT @x", "ChangesSession")]
    [InlineData("UPDATE t SET n = @x WHERE id = @id", "ChangesSession, Writes")]
    [InlineData("SELECT f()", "Unknown")]                         // a stored function may write
    [InlineData("SET @x = 1", "Unknown")]
    [InlineData("", "None")]
    public void Analyze_TellsSessionChangesAndWritesApart(string sql, string expected) =>
        Assert.Equal(Enum.Parse<StatementEffects>(expected), SessionStateClassifier.Analyze(sql, Names));

    /// <summary>The SQL that README.md, docs/ and benchmarks/ show, with the parameter objects they pass.</summary>
    public static TheoryData<string, string, object?> DocumentedStatements => new()
    {
        { "benchmarks: Workload.PointSelect, docs/session-reset.md", "SELECT c FROM sbtest1 WHERE id = @id", new { id = 1 } },
        { "benchmarks: ReplicaReadCommand", "SELECT c FROM sbtest_replica WHERE id = @id", new { id = 1 } },
        { "benchmarks: LoadRunner", "SELECT COALESCE(MAX(id), 0) FROM sbtest1", null },
        { "benchmarks: BenchmarkDatabase", "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = @name", new { name = "t" } },
        { "benchmarks: MachineFacts", "SELECT VERSION(), @@max_connections, @@thread_handling, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher')", null },
        { "benchmarks", "SELECT CONNECTION_ID()", null },
        { "README.md", "UPDATE t SET n = n + 1 WHERE id = @id", new { id = 1 } },
        { "README.md", "SELECT * FROM t WHERE id > @id", new { id = 0 } },
        { "README.md", "SELECT COUNT(*) FROM t", null },
        { "README.md", "SELECT n FROM t WHERE id = @id", new { id = 1 } },
        { "docs", "SELECT 1", null },
        { "docs", "SELECT COUNT(*) FROM t WHERE id = 1", null },
        { "docs", "SELECT SUM(n) FROM stock", null },
        { "docs", "SELECT id FROM orders ORDER BY total DESC LIMIT 10", null },
        { "docs", "SELECT @@session.time_zone", null },
        { "docs", "UPDATE orders SET status = 'paid' WHERE id = @id", new { id = 1 } },
        { "docs", "UPDATE stock SET n = n - 1 WHERE item = @item", new { item = 1 } },
        { "docs", "UPDATE t SET n = 0", null },
        { "docs", "UPDATE t SET n = 1 WHERE id = 1", null },
        { "docs", "DELETE FROM audit WHERE at < NOW() - INTERVAL 30 DAY", null },
        { "issue #13", "DELETE FROM t WHERE id = @id", new { id = 1 } },
        { "issue #13", "SELECT id, name FROM t WHERE name LIKE @p ORDER BY id LIMIT 10", new { p = "a%" } },
    };

    [Theory]
    [MemberData(nameof(DocumentedStatements))]
    public void DocumentedStatements_StayStateFree(string source, string sql, object? param)
    {
        var effects = new StatementAnalyzer().Analyze(sql, param);
        var expected = sql.StartsWith("SELECT", StringComparison.Ordinal) ? StatementEffects.None : StatementEffects.Writes;
        Assert.True(effects == expected, $"{source}: {sql} is {effects}, not {expected}");
    }
}
