using SqlHelpers.Queries;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// The objects the classifier oracle's statements use, made in the test database by the administrative user: tables,
/// stored functions that set a user variable, write a non-transactional table, take a named lock or set a session
/// variable, a pure one, procedures, a sequence (MariaDB), a trigger and a view for the documented limits, and a
/// "shadow" stored function for every name the classifier lets stand before <c>(</c>, each setting <c>@shadow</c>, so a
/// name that resolves to a stored function instead of the built-in shows up as changed state.
/// </summary>
internal sealed class OracleSchema(OracleServerFixture db, bool mariaDb, bool shadows = true)
{
    /// <summary>The stored function that sets <c>@from_func</c>.</summary>
    public const string SetVar = "oracle_setvar";

    /// <summary>The stored function that inserts into the MyISAM table <c>oracle_log</c> (a write no rollback undoes).</summary>
    public const string Write = "oracle_write";

    /// <summary>The stored function <c>x + 1</c>, which changes nothing.</summary>
    public const string Pure = "oracle_pure";

    /// <summary>The stored function that takes the named lock <c>oracle_l1</c>.</summary>
    public const string Lock = "oracle_lock";

    /// <summary>The stored function that sets the session variable <c>div_precision_increment</c>.</summary>
    public const string SetSys = "oracle_setsys";

    /// <summary>Stored functions with names only the non-ASCII rules read whole; each sets <c>@from_func</c>.</summary>
    public static readonly string[] NonAsciiFunctions = ["ƒ_oracle", "函数", "oracle€", "oracle\u00A0f", "in\u00A0", "now\u2007"];

    /// <summary>The user variables the statements and the stored routines set, read by every snapshot.</summary>
    public static readonly string[] UserVariables = ["v0", "v1", "v2", "v3", "from_func", "from_proc", "shadow", "trg"];

    /// <summary>The named locks the statements take.</summary>
    public static readonly string[] LockNames = ["oracle_l0", "oracle_l1"];

    /// <summary>
    /// The temporary table names the statements use. A base table of each name holds one row, so a temporary table of the
    /// same name (which hides it) changes what CHECKSUM TABLE reports, without the cost of checking a missing table.
    /// </summary>
    public static readonly string[] TemporaryTables = ["oracle_tmp_a", "oracle_tmp_b"];

    /// <summary>Gets the names that get a shadow function: every built-in, reserved word and type the classifier allows before "(".</summary>
    public static IEnumerable<string> ShadowedNames =>
        SessionStateWords.BuiltIns.Concat(SessionStateWords.ReservedBeforeParenthesis).Concat(SessionStateWords.TypesAfterAs).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);

    private static IEnumerable<string> Functions => new[] { SetVar, Write, Pure, Lock, SetSys }.Concat(NonAsciiFunctions).Concat(ShadowedNames);

    public string Database => db.Server.Database;

    public async Task CreateAsync()
    {
        await DropAsync();
        await db.ExecuteAdminAsync("CREATE TABLE oracle_t (id INT PRIMARY KEY, k INT, n INT, c VARCHAR(100), name VARCHAR(100), `név` INT, `名前` VARCHAR(20), `a b` INT) DEFAULT CHARSET=utf8mb4");
        await db.ExecuteAdminAsync("CREATE TABLE oracle_u (id INT PRIMARY KEY, t_id INT, v INT) DEFAULT CHARSET=utf8mb4");
        await db.ExecuteAdminAsync("CREATE TABLE oracle_log (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(50)) ENGINE=MyISAM");
        foreach (var table in TemporaryTables)
            await db.ExecuteAdminAsync($"CREATE TABLE {table} (marker INT); INSERT INTO {table} VALUES (12345)");
        await db.ExecuteAdminAsync("CREATE TABLE oracle_trg (id INT PRIMARY KEY, n INT)");
        await db.ExecuteAdminAsync("INSERT INTO oracle_trg VALUES (1, 0)");
        await RefillAsync();
        await db.ExecuteAdminAsync("CREATE TRIGGER oracle_trg_bu BEFORE UPDATE ON oracle_trg FOR EACH ROW SET @trg = NEW.n");
        await db.ExecuteAdminAsync($"CREATE FUNCTION {SetVar}() RETURNS INT DETERMINISTIC BEGIN SET @from_func = 1; RETURN 1; END");
        await db.ExecuteAdminAsync($"CREATE FUNCTION {Write}() RETURNS INT DETERMINISTIC BEGIN INSERT INTO oracle_log (msg) VALUES ('f'); RETURN 1; END");
        await db.ExecuteAdminAsync($"CREATE FUNCTION {Pure}(x INT) RETURNS INT DETERMINISTIC NO SQL RETURN x + 1");
        await db.ExecuteAdminAsync($"CREATE FUNCTION {Lock}() RETURNS INT DETERMINISTIC RETURN GET_LOCK('oracle_l1', 0)");
        await db.ExecuteAdminAsync($"CREATE FUNCTION {SetSys}() RETURNS INT DETERMINISTIC BEGIN SET SESSION div_precision_increment = 9; RETURN 1; END");
        foreach (var name in NonAsciiFunctions)
            await db.ExecuteAdminAsync($"CREATE FUNCTION `{name}`() RETURNS INT DETERMINISTIC BEGIN SET @from_func = 2; RETURN 1; END");
        if (shadows)
            await db.ExecuteAdminAsync(string.Concat(ShadowedNames.Select(static name => $"CREATE FUNCTION `{name}`() RETURNS INT DETERMINISTIC BEGIN SET @shadow = 1; RETURN 1; END;")));
        await db.ExecuteAdminAsync("CREATE PROCEDURE oracle_p_setvar() BEGIN SET @from_proc = 1; END");
        await db.ExecuteAdminAsync("CREATE PROCEDURE oracle_p_noop() BEGIN END");
        await db.ExecuteAdminAsync($"CREATE VIEW oracle_v AS SELECT id, {SetVar}() AS x FROM oracle_t");
        if (mariaDb)
            await db.ExecuteAdminAsync("CREATE SEQUENCE oracle_seq");
    }

    /// <summary>Puts the rows of <c>oracle_t</c> and <c>oracle_u</c> back (statements delete and change them).</summary>
    public async Task RefillAsync()
    {
        var rows = string.Join(", ", Enumerable.Range(1, 20).Select(static i => $"({i}, {i % 5}, {i}, 'c{i}', 'name {(char) ('a' + i)}', {i}, '名{i}', {i})"));
        await db.ExecuteAdminAsync($"INSERT IGNORE INTO oracle_t VALUES {rows}");
        var others = string.Join(", ", Enumerable.Range(1, 10).Select(static i => $"({i}, {i * 2}, {i % 3})"));
        await db.ExecuteAdminAsync($"INSERT IGNORE INTO oracle_u VALUES {others}");
    }

    public async Task DropAsync()
    {
        await db.ExecuteAdminAsync("DROP VIEW IF EXISTS oracle_v");
        await db.ExecuteAdminAsync("DROP TABLE IF EXISTS oracle_t, oracle_u, oracle_log, oracle_trg, " + string.Join(", ", TemporaryTables));
        // One statement per function would cost a round trip each; the admin connection runs a batch.
        await db.ExecuteAdminAsync(string.Concat(Functions.Select(static name => $"DROP FUNCTION IF EXISTS `{name}`;")));
        await db.ExecuteAdminAsync("DROP PROCEDURE IF EXISTS oracle_p_setvar");
        await db.ExecuteAdminAsync("DROP PROCEDURE IF EXISTS oracle_p_noop");
        if (mariaDb)
            await db.ExecuteAdminAsync("DROP SEQUENCE IF EXISTS oracle_seq");
    }
}
