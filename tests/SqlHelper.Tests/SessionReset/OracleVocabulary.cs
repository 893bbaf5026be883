namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// The words and fragments <see cref="StatementGenerator"/> draws from. <c>{e}</c> stands for a sub-expression,
/// <c>{h}</c> for a risky expression, <c>{db}</c> for the test database and <c>{seq}</c> for the test sequence.
/// </summary>
internal static class OracleVocabulary
{
    /// <summary>The parameters every statement is run with (bound by the oracle, known to the classifier).</summary>
    public static readonly string[] Parameters = ["@id", "@k", "@n", "@p", "@name", "@ID", "@Name", "?k"];

    public static readonly string[] Literals =
    [
        "1", "42", "-3", "2.5", "1e3", ".5", "0x41", "0b101", "'abc'", "'it''s'", "''", "'%'", "'@v0'", "'a -- b'", "'/* x */'", "'#'",
        "'名'", "'ƒ()'", "'C:/'", "N'x'", "X'41'", "_utf8mb4'x'", "NULL", "TRUE", "'{\"a\": 1}'", "'f()'", "'`'", "'\"'",
        "\"dq\"", "\"it's\"", "\"a\"\"b\"", "''''",
    ];

    public static readonly string[] AliasedColumns = ["id", "k", "n", "c", "name", "`n`", "t.n", "`t`.`k`", "t . id", "`név`", "名前", "`a b`", "`名前`", "t.`名前`"];

    public static readonly string[] JoinedColumns = ["k", "n", "c", "name", "`n`", "t.n", "`t`.`k`", "t . id", "`név`", "名前", "`a b`", "t.`名前`"];

    public static readonly string[] PlainColumns = ["id", "k", "n", "c", "name", "`n`", "`név`", "名前", "`a b`", "oracle_t.k"];

    public static readonly string[] SystemVariables =
    [
        "@@session.time_zone", "@@sql_mode", "@@SESSION.autocommit", "@@max_connections", "@@version", "@@session.div_precision_increment",
        "@@global.max_connections",
    ];

    /// <summary>Built-in calls, each valid in a select list.</summary>
    public static readonly string[] ScalarBuiltIns =
    [
        "ABS({e})", "ROUND({e}, 2)", "FLOOR({e})", "CEIL({e})", "COALESCE({e}, {e})", "IFNULL({e}, 0)", "NULLIF({e}, 1)", "IF({e} > 1, {e}, {e})",
        "GREATEST({e}, {e})", "LEAST({e}, 1)", "CONCAT({e}, {e})", "CONCAT_WS('-', {e}, {e})", "LENGTH({e})", "CHAR_LENGTH({e})",
        "LOWER({e})", "upper({e})", "SUBSTRING({e}, 1, 3)", "SUBSTRING({e} FROM 2 FOR 3)", "LEFT({e}, 2)", "RIGHT({e}, 2)", "TRIM({e})",
        "TRIM(LEADING 'x' FROM {e})", "REPLACE({e}, 'a', 'b')", "LOCATE('a', {e})", "POSITION('a' IN {e})", "LPAD({e}, 5, '0')", "HEX({e})",
        "MD5({e})", "SHA2({e}, 256)", "CRC32({e})", "NOW()", "now()", "CURDATE()", "UTC_TIMESTAMP()", "DATE_ADD(NOW(), INTERVAL 1 DAY)",
        "DATEDIFF(NOW(), '2020-01-01')", "UNIX_TIMESTAMP()", "DATE_FORMAT(NOW(), '%Y')", "EXTRACT(YEAR FROM NOW())", "CAST({e} AS CHAR)",
        "CAST({e} AS SIGNED)", "CAST({e} AS DECIMAL(10, 2))", "CAST({e} AS CHAR(5))", "CONVERT({e}, CHAR)", "CONVERT({e} USING utf8mb4)",
        "UUID()", "JSON_OBJECT('a', {e})", "JSON_ARRAY({e}, 1)", "JSON_EXTRACT('{\"a\": 1}', '$.a')", "JSON_VALUE('{\"a\": 2}', '$.a')",
        "CONNECTION_ID()", "DATABASE()", "VERSION()", "USER()", "ROW_COUNT()", "FOUND_ROWS()", "LAST_INSERT_ID()", "LAST_INSERT_ID( )",
        "RAND()", "PI()", "SLEEP(0)", "MOD({e}, 3)", "INTERVAL({e}, 1, 2)", "BINARY({e})", "BIT_COUNT({e})", "INET_ATON('10.0.0.1')",
    ];

    public static readonly string[] Aggregates = ["COUNT(*)", "COUNT({e})", "SUM({e})", "MIN({e})", "MAX({e})", "AVG({e})", "GROUP_CONCAT({e})", "COUNT(DISTINCT {e})"];

    public static readonly string[] Tables = ["oracle_t", "`oracle_t`", "{db}.oracle_t", "`{db}`.`oracle_t`"];

    /// <summary>Spellings of a call to a stored function <c>f</c> (in database <c>db</c>); every one runs it under some sql_mode.</summary>
    public static readonly string[] CallSpellings =
    [
        "{f}()", "`{f}`()", "`{db}`.`{f}`()", "{db}.`{f}` ()", "{db}.{f}()", "{db} . {f} ()", "\"{f}\"()", "\"{db}\".\"{f}\"()", "{f} ()",
        "`{f}` ()", "`{db}`.{f}()", "{db}.\"{f}\"()", "{F}()",
    ];

    /// <summary>Spellings of a built-in's name that may call the same-named stored function instead.</summary>
    public static readonly string[] ShadowSpellings = ["{B} ()", "{b} ()", "`{b}`()", "{db}.{B}()", "\"{b}\"()", "`{db}`.`{b}`()", "{b}\t()", "{b}\n()"];

    /// <summary>Risky expressions other than calls.</summary>
    public static readonly string[] RiskyExpressions =
    [
        "@v0", "@v1 := 5", "@v2 := @id", "(@v3 := 'x')", "@`v0`", "@'v1'", "@\"v2\"", "@v0.x", "@V1", "@@session.sql_mode := ''",
        "LAST_INSERT_ID(5)", "LAST_INSERT_ID( 7 )", "LAST_INSERT_ID(@id)", "GET_LOCK('oracle_l0', 0)", "RELEASE_LOCK('oracle_l0')",
        "IS_FREE_LOCK('oracle_l0')", "BENCHMARK(1, 1)", "SLEEP (0)", "IN\u00A0()", "now\u2007()", "{fn NOW()}", "\\N", "1 IN\u00A0(1)",
        "ROW(1, 2) = ROW(1, 2)", "VALUES(n)", "DEFAULT(n)",
    ];

    public static readonly string[] SequenceExpressions =
    [
        "NEXT VALUE FOR {seq}", "NEXTVAL({seq})", "{seq}.nextval", "`{seq}`.NEXTVAL", "PREVIOUS VALUE FOR {seq}", "LASTVAL({seq})",
        "SETVAL({seq}, 100)", "{seq}.currval",
    ];

    /// <summary>Comments placed in a select list: some hide an assignment that runs (/*! */ always, /*M! */ on MariaDB).</summary>
    public static readonly string[] SelectListComments =
    [
        "/* note */", "/*! , @v2 := 2 */", "/*!100000 , @v3 := 3 */", "/*M! , @v3 := 4 */", "/*M!100000 , @v1 := 6 */", "-- x\n", "#x\n",
        "--\t\n", "/*+ hint */", "/*!, oracle_setvar() */", "/**/", "/*!*/",
    ];

    /// <summary>Whole statements that start with something other than SELECT, UPDATE or DELETE (or are tricky SELECTs).</summary>
    public static readonly string[] OtherStatements =
    [
        "INSERT INTO oracle_log (msg) VALUES ('x')", "INSERT IGNORE INTO oracle_u VALUES (1, 1, 1)",
        "INSERT INTO oracle_t (id, n) VALUES (@id, 1) ON DUPLICATE KEY UPDATE n = n + 1", "REPLACE INTO oracle_u (id, t_id, v) VALUES (2, 4, 2)",
        "SET @v0 = 1", "SET @v1 := @id", "SET @v2 = NULL", "SET @@session.div_precision_increment = 9", "SET SESSION sql_select_limit = 5",
        "SET NAMES latin1", "SET time_zone = '+05:00'", "SET autocommit = 0", "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SET TRANSACTION READ ONLY", "SET STATEMENT max_statement_time = 10 FOR SELECT 1", "SET sql_mode = 'ANSI'", "SET @@timestamp = 1",
        "SET insert_id = 7", "SET SESSION group_concat_max_len = 7", "SET character_set_results = NULL",
        "DO @v2 := 3", "DO 1", "DO oracle_setvar()", "DO SLEEP(0)", "DO GET_LOCK('oracle_l0', 0)", "DO RELEASE_LOCK('oracle_l0')",
        "CALL oracle_p_setvar()", "CALL oracle_p_noop()", "SHOW WARNINGS", "SHOW VARIABLES LIKE 'time_zone'", "SHOW TABLES",
        "SHOW SESSION STATUS LIKE 'Com_select'", "CREATE TEMPORARY TABLE oracle_tmp_a (id INT)", "CREATE TEMPORARY TABLE IF NOT EXISTS oracle_tmp_b AS SELECT 1 AS x",
        "DROP TEMPORARY TABLE IF EXISTS oracle_tmp_a", "LOCK TABLES oracle_t READ", "LOCK TABLES oracle_u WRITE", "UNLOCK TABLES",
        "SELECT GET_LOCK('oracle_l0', 0)", "SELECT RELEASE_LOCK('oracle_l1')", "SELECT RELEASE_ALL_LOCKS()", "SAVEPOINT s1", "BEGIN",
        "START TRANSACTION", "START TRANSACTION READ ONLY", "COMMIT", "ROLLBACK", "BEGIN; UPDATE oracle_t SET n = n WHERE id = @id",
        "USE information_schema", "USE `{db}`", "PREPARE oracle_ps FROM 'SELECT 1'", "EXECUTE oracle_ps", "DEALLOCATE PREPARE oracle_ps",
        "HANDLER oracle_t OPEN", "HANDLER oracle_t READ FIRST", "HANDLER oracle_t CLOSE", "EXPLAIN SELECT c FROM oracle_t WHERE id = @id",
        "DESCRIBE oracle_t", "ANALYZE SELECT oracle_setvar()", "CHECKSUM TABLE oracle_t", "SELECT c FROM oracle_t WHERE id = @id INTO @v0",
        "SELECT 1 INTO @v1", "SELECT c INTO @v2 FROM oracle_t LIMIT 1", "SELECT LAST_INSERT_ID(5)", "SELECT @v0 := 1",
        "WITH x AS (SELECT oracle_setvar() AS a) SELECT * FROM x",
        "VALUES (1, 2), (3, @id)", "TABLE oracle_t", "SELECT 1 FROM DUAL", "help 'select'", "(SELECT 1) UNION (SELECT oracle_setvar())",
        "SELECT oracle_setvar", "SELECT 1 -- x", "SELECT 'C:\\' AS dir, @v0 := 'x'", "SELECT \"C:\\\" AS dir, @v0 := \"x\"",
        "  \n", ";", "SELECT", "garbage", "SELECT * FROM", "\tSELECT 1\r\n", "SELECT\u00A0oracle_setvar()", "SET @v3 = 'x' COLLATE utf8mb4_bin",
    ];

    public static readonly string[] MariaDbStatements =
    [
        "SELECT NEXT VALUE FOR oracle_seq", "SELECT NEXTVAL(oracle_seq)", "SELECT oracle_seq.nextval", "SELECT PREVIOUS VALUE FOR oracle_seq",
        "SELECT SETVAL(oracle_seq, 100)", "DO NEXTVAL(oracle_seq)",
    ];

    /// <summary>Statement templates that hide <c>{h}</c> in a string under one mode and run it under another.</summary>
    public static readonly string[] BackslashTemplates =
    [
        "SELECT 'C:\\' AS dir, {h} AS h, '' AS e", "SELECT 'a\\'', {h}, ''", "SELECT c FROM oracle_t WHERE c = 'x\\' OR {h} OR c = ''",
        "SELECT \"C:\\\" AS dir, {h} AS h, \"\" AS e", "SELECT \"a\\\"\", {h}, \"\"", "UPDATE oracle_t SET c = 'x\\', n = {h}, c = '' WHERE id = @id",
        "SELECT 'x\\\\', {h}", "SELECT '\\\\' AS a, {h} AS b", "SELECT \"x\\\\\" AS a, {h}",
    ];
}
