namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Statements that change session state, each with a probe that shows whether the change is still there. Scope A runs
/// the statement; scope B, on the same physical connection, runs the probe and must see what a fresh session shows.
/// </summary>
public static class StateLeakCorpus
{
    public sealed record Kind(string Name, string Statement, Func<SqlScope, string> Probe)
    {
        public override string ToString() => Name;
    }

    public static string Table => "leak_probe";

    public static IReadOnlyList<Kind> All(bool mariaDb) =>
    [
        new("user variable (SET)", "SET @x = 1", s => Value(s, "SELECT @x")),
        new("user variable (SELECT :=)", "SELECT @x := 5", s => Value(s, "SELECT @x")),
        new("user variable (SELECT INTO)", "SELECT 7 INTO @y", s => Value(s, "SELECT @y")),
        new("user variable (DO :=)", "DO @z := 3", s => Value(s, "SELECT @z")),
        new("user variable in an executable comment", "SELECT 1 /*!, @c := 2 */", s => Value(s, "SELECT @c")),
        new("SET NAMES", "SET NAMES latin1", s => Value(s, "SELECT @@character_set_client")),
        new("SET SESSION sql_mode", "SET SESSION sql_mode = 'ANSI_QUOTES'", s => Value(s, "SELECT @@session.sql_mode")),
        new("SET SESSION TRANSACTION ISOLATION LEVEL", "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            s => Value(s, mariaDb ? "SELECT @@session.tx_isolation" : "SELECT @@session.transaction_isolation")),
        new("SET TRANSACTION ISOLATION LEVEL (next transaction)", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            s => Value(s, mariaDb ? "SELECT @@session.tx_isolation" : "SELECT @@session.transaction_isolation")),
        new("SET time_zone", "SET time_zone = '+05:00'", s => Value(s, "SELECT @@session.time_zone")),
        new("SET autocommit", "SET autocommit = 0", s => Value(s, "SELECT @@session.autocommit")),
        new("SET @@session variable", "SET @@session.group_concat_max_len = 5", s => Value(s, "SELECT @@session.group_concat_max_len")),
        new("SET SESSION sql_select_limit", "SET SESSION sql_select_limit = 1", s => Value(s, "SELECT @@session.sql_select_limit")),
        new("SET SESSION foreign_key_checks", "SET SESSION foreign_key_checks = 0", s => Value(s, "SELECT @@session.foreign_key_checks")),
        new("SET SESSION wait_timeout", "SET SESSION wait_timeout = 77", s => Value(s, "SELECT @@session.wait_timeout")),
        new("SET collation_connection", "SET SESSION collation_connection = 'latin1_swedish_ci'", s => Value(s, "SELECT @@session.collation_connection")),
        new("SET auto_increment_increment", "SET SESSION auto_increment_increment = 5", s => Value(s, "SELECT @@session.auto_increment_increment")),
        new("CREATE TEMPORARY TABLE", "CREATE TEMPORARY TABLE tmp_leak (id INT)", s => Works(s, "SELECT COUNT(*) FROM tmp_leak")),
        new("GET_LOCK", "SELECT GET_LOCK('sqlhelper_leak_lock', 0)", s => Value(s, "SELECT COALESCE(IS_USED_LOCK('sqlhelper_leak_lock') = CONNECTION_ID(), 0)")),
        new("LOCK TABLES", $"LOCK TABLES {Table} READ", s => Works(s, "SELECT COUNT(*) FROM leak_other")),
        new("USE other_db", "USE information_schema", s => Value(s, "SELECT DATABASE()")),
        new("unfinished START TRANSACTION", $"START TRANSACTION; INSERT INTO {Table} (v) VALUES (1)", s => Value(s, $"SELECT COUNT(*) FROM {Table}")),
        new("unfinished BEGIN", $"BEGIN; INSERT INTO {Table} (v) VALUES (2)", s => Value(s, $"SELECT COUNT(*) FROM {Table}")),
        new("PREPARE", "PREPARE leak_stmt FROM 'SELECT 1'", s => Works(s, "EXECUTE leak_stmt")),
        new("stored function setting a user variable", "SELECT leak_func()", s => Value(s, "SELECT @from_func")),
        new("CALL of a procedure setting a user variable", "CALL leak_proc()", s => Value(s, "SELECT @from_proc")),
        new("LAST_INSERT_ID(expr)", "SELECT LAST_INSERT_ID(42)", s => Value(s, "SELECT LAST_INSERT_ID()")),
        new("INSERT setting LAST_INSERT_ID()", $"INSERT INTO {Table} (v) VALUES (3)", s => Value(s, "SELECT LAST_INSERT_ID()")),
        new("HANDLER OPEN", $"HANDLER {Table} OPEN", s => Works(s, $"HANDLER {Table} READ FIRST")),
    ];

    private static string Value(SqlScope scope, string sql) => scope.ExecuteScalar<object>(sql)?.ToString() ?? "NULL";

    private static string Works(SqlScope scope, string sql)
    {
        try
        {
            scope.Execute(sql);
            return "works";
        }
        catch (MySqlConnector.MySqlException ex)
        {
            return "fails " + ex.ErrorCode;
        }
    }
}
