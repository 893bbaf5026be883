using MySqlConnector;
using SqlHelpers.Queries;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Measures, on a real server, what the classifier cannot see and what a reset does and does not clear, for the
/// "documented limits" in docs/session-reset.md. The MariaDB outcomes are asserted so the page stays true; on another
/// server they are only written to the test output.
/// </summary>
[Collection(OracleCollection.Name)]
public sealed class ClassifierLimitsTests(OracleServerFixture db, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly StatementAnalyzer Analyzer = new();
    private bool _mariaDb;
    private OracleSchema? _schema;

    private OracleSchema Schema => _schema ?? throw new InvalidOperationException("The oracle schema was not created.");

    public async Task InitializeAsync()
    {
        _mariaDb = (await db.ScalarVersionAsync()).Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        _schema = new OracleSchema(db, _mariaDb, shadows: false);
        await _schema.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_schema is not null)
            await _schema.DropAsync();
    }

    [Theory]
    [InlineData("UPDATE oracle_trg SET n = n + 1 WHERE id = @id", "user variable:@trg")]          // a trigger sets @trg
    [InlineData("SELECT x FROM oracle_v WHERE id = @id", "user variable:@from_func")]             // the view calls oracle_setvar()
    public async Task Limit_TriggersAndViews_AreCalledCleanYetChangeTheSession(string sql, string changed)
    {
        await using var oracle = await SessionOracle.OpenAsync(db.ConnectionString, Schema.Database, _mariaDb);
        var before = oracle.Snapshot();

        var effects = Analyzer.Analyze(sql, OracleParameters.For(0));
        var error = oracle.Execute(sql, OracleParameters.For(0));
        var changes = oracle.Snapshot().SessionChanges(before);

        output.WriteLine($"{sql}: classified {effects}, error {error ?? "none"}, changed: {string.Join("; ", changes)}");
        Assert.Null(error);
        Assert.Equal(StatementEffects.None, effects & StatementEffects.ChangesSession);
        Assert.Contains(changes, c => c.StartsWith(changed + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Limit_StatementDiagnostics_WhatTheNextStatementAndAResetLeave()
    {
        await using var connection = await OpenAsync();
        var found = "SELECT SQL_CALC_FOUND_ROWS id FROM oracle_t LIMIT 1";
        var update = "UPDATE oracle_t SET n = n WHERE id <= 3";
        var warn = "SELECT CAST('x' AS SIGNED)";
        Assert.Equal(StatementEffects.None, Analyzer.Analyze(found, null));
        Assert.Equal(StatementEffects.Writes, Analyzer.Analyze(update, null));
        Assert.Equal(StatementEffects.None, Analyzer.Analyze(warn, null));
        var seen = new List<(string What, string Value)>();

        await ScalarAsync(connection, found);
        seen.Add(("FOUND_ROWS() after SQL_CALC_FOUND_ROWS, no reset", await ScalarAsync(connection, "SELECT FOUND_ROWS()")));
        await ScalarAsync(connection, found);
        await connection.ResetConnectionAsync();
        seen.Add(("FOUND_ROWS() after SQL_CALC_FOUND_ROWS and a reset", await ScalarAsync(connection, "SELECT FOUND_ROWS()")));

        await ScalarAsync(connection, update);
        seen.Add(("ROW_COUNT() after a clean UPDATE, no reset", await ScalarAsync(connection, "SELECT ROW_COUNT()")));
        await ScalarAsync(connection, update);
        await connection.ResetConnectionAsync();
        seen.Add(("ROW_COUNT() after a clean UPDATE and a reset", await ScalarAsync(connection, "SELECT ROW_COUNT()")));

        await ScalarAsync(connection, warn);
        seen.Add(("SHOW WARNINGS after a clean statement that warned", await WarningsAsync(connection)));
        await ScalarAsync(connection, warn);
        await ScalarAsync(connection, "SELECT 1");
        seen.Add(("SHOW WARNINGS after that and then SELECT 1 (no table)", await WarningsAsync(connection)));
        await ScalarAsync(connection, warn);
        seen.Add(("@@warning_count read by the next statement", await ScalarAsync(connection, "SELECT @@warning_count")));
        await ScalarAsync(connection, warn);
        await ScalarAsync(connection, "SELECT c FROM oracle_t WHERE id = 1");
        seen.Add(("SHOW WARNINGS after that and then a SELECT from a table", await WarningsAsync(connection)));
        await ScalarAsync(connection, warn);
        await connection.ResetConnectionAsync();
        seen.Add(("SHOW WARNINGS after that and then a reset", await WarningsAsync(connection)));
        await ScalarAsync(connection, "SELECT no_such_column FROM oracle_t");
        seen.Add(("SHOW ERRORS after a failed statement", await WarningsAsync(connection, "SHOW ERRORS")));

        await ScalarAsync(connection, "USE information_schema");
        await connection.ResetConnectionAsync();
        seen.Add(("DATABASE() after USE information_schema and a reset", await ScalarAsync(connection, "SELECT DATABASE()")));

        foreach (var (what, value) in seen)
            output.WriteLine($"{what,-58} {value}");
        if (!_mariaDb)
            return;
        Assert.Equal(
            [
                ("FOUND_ROWS() after SQL_CALC_FOUND_ROWS, no reset", "20"),
                ("FOUND_ROWS() after SQL_CALC_FOUND_ROWS and a reset", "20"),
                ("ROW_COUNT() after a clean UPDATE, no reset", "3"),
                ("ROW_COUNT() after a clean UPDATE and a reset", "0"),
                ("SHOW WARNINGS after a clean statement that warned", "Warning 1292"),
                ("SHOW WARNINGS after that and then SELECT 1 (no table)", "Warning 1292"),
                ("@@warning_count read by the next statement", "1"),
                ("SHOW WARNINGS after that and then a SELECT from a table", ""),
                ("SHOW WARNINGS after that and then a reset", ""),
                ("SHOW ERRORS after a failed statement", "Error 1054"),
                ("DATABASE() after USE information_schema and a reset", "information_schema"),
            ],
            seen);
    }

    private async Task<MySqlConnection> OpenAsync()
    {
        var builder = new MySqlConnectionStringBuilder(db.ConnectionString) { Pooling = false, AllowUserVariables = true };
        var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> ScalarAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        try
        {
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        catch (MySqlException ex)
        {
            return "error " + ex.ErrorCode;
        }
    }

    private static async Task<string> WarningsAsync(MySqlConnection connection, string sql = "SHOW WARNINGS")
    {
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add($"{reader.GetString(0)} {reader.GetValue(1)}");
        return string.Join(", ", rows);
    }
}
