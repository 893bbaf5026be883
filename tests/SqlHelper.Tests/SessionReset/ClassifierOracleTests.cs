using System.Globalization;
using SqlHelpers.Queries;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// Checks <see cref="SessionStateClassifier"/> against a real server instead of a list of cases: generated statements
/// run under several sql_modes and a snapshot of the session before and after each one says whether it changed state
/// (see <see cref="ClassifierOracle"/>). Also measures what the classifier cannot see (triggers, views, statement
/// diagnostics) for docs/session-reset.md.
/// </summary>
[Collection(OracleCollection.Name)]
public sealed class ClassifierOracleTests(OracleServerFixture db, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 13_2024;
    private const int Statements = 10_000;
    private static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(45);
    private bool _mariaDb;
    private OracleSchema? _schema;

    private OracleSchema Schema => _schema ?? throw new InvalidOperationException("The oracle schema was not created.");

    public async Task InitializeAsync()
    {
        _mariaDb = (await db.ScalarVersionAsync()).Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        _schema = new OracleSchema(db, _mariaDb);
        await _schema.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_schema is not null)
            await _schema.DropAsync();
    }

    /// <summary>
    /// The default run: 10,000 statements from a fixed seed, all classified, executed under every sql_mode for at most
    /// <see cref="DefaultBudget"/> (each mode gets an equal share and starts from the first statement), so the test stays
    /// near a minute on a small, busy machine. <c>SQLHELPER_ORACLE_MINUTES</c> raises the budget (0 or less: no limit).
    /// </summary>
    [Fact]
    public async Task Oracle_GeneratedStatementsUnderEverySqlMode_NoneClassedCleanChangesTheSession()
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("SQLHELPER_ORACLE_MINUTES"), CultureInfo.InvariantCulture, out var m) ? m : DefaultBudget.TotalMinutes;
        var budget = minutes > 0 ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue;
        var report = await new ClassifierOracle(db, Schema, _mariaDb).RunAsync(Seed, Statements, budget);
        output.WriteLine(report.ToString());
        AssertSound(report, complete: report.Executions == report.Modes.Count * report.GeneratedClean + (report.Generated - report.GeneratedClean));
    }

    /// <summary>The long run, with <c>SQLHELPER_ORACLE=1</c>: <c>SQLHELPER_ORACLE_SEED</c>, <c>SQLHELPER_ORACLE_STATEMENTS</c> and <c>SQLHELPER_ORACLE_MINUTES</c> set it.</summary>
    [OracleFact]
    [Trait("Category", "Soak")]
    public async Task Oracle_Soak_ManyMoreStatementsFromARandomSeed_NoneClassedCleanChangesTheSession()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("SQLHELPER_ORACLE_STATEMENTS"), CultureInfo.InvariantCulture, out var c) ? c : 50_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SQLHELPER_ORACLE_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Seed + 1;   // fixed in the default run: a failure there must be repeatable
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("SQLHELPER_ORACLE_MINUTES"), CultureInfo.InvariantCulture, out var m) ? m : 3;
        output.WriteLine($"Seed {seed} (set SQLHELPER_ORACLE_SEED={seed} to repeat), {count} statements, at most {minutes} minutes.");
        var report = await new ClassifierOracle(db, Schema, _mariaDb).RunAsync(seed, count, TimeSpan.FromMinutes(minutes));
        output.WriteLine(report.ToString());
        AssertSound(report, complete: false);
    }

    [Fact]
    public async Task NamesAllowedBeforeParenthesis_NeverResolveToAStoredFunction_UnderAnySqlMode()
    {
        var oracle = new ClassifierOracle(db, Schema, _mariaDb);
        await using var session = await SessionOracle.OpenAsync(db.ConnectionString, Schema.Database, _mariaDb);
        var globalMode = await session.ScalarTextAsync("SELECT @@GLOBAL.sql_mode");
        var failures = new List<string>();
        var spaceCallsStored = new SortedSet<string>(StringComparer.Ordinal);
        var storedFunctionMessage = $"FUNCTION {Schema.Database}.";
        foreach (var mode in oracle.Modes)
        {
            await session.ResetAsync(mode == "default" ? globalMode : mode);
            foreach (var name in OracleSchema.ShadowedNames)
            {
                var direct = SessionStateWords.BuiltIns.Contains(name) || SessionStateWords.ReservedBeforeParenthesis.Contains(name);
                var calls = direct ? new[] { $"SELECT {name}()", $"SELECT {name}(1, 2)" } : [];
                if (SessionStateWords.TypesAfterAs.Contains(name))
                    calls = [.. calls, $"SELECT CAST(1 AS {name}(2))", $"SELECT 1 AS {name}(2)"];
                if (SessionStateWords.ReservedBeforeParenthesis.Contains(name))
                    calls = [.. calls, $"SELECT {name} ()", $"SELECT 1 FROM oracle_t WHERE 1 = {name} (1)"];
                // A call that resolved to the stored function either ran it (@shadow is set) or failed on its argument count.
                var errors = calls.Select(sql => (sql, Error: session.Execute(sql, OracleParameters.For(0)))).ToList();
                var reached = errors.Where(e => e.Error?.Contains(storedFunctionMessage, StringComparison.OrdinalIgnoreCase) == true).Select(static e => e.sql).ToList();
                if (calls.Length > 0 && await session.ScalarTextAsync("SELECT @shadow") != "")
                    reached.Add("one of " + string.Join(" / ", calls));
                if (reached.Count > 0)
                {
                    failures.Add($"[{mode}] {string.Join(", ", reached)} reached the stored function {name}()");
                    await session.ResetAsync(mode == "default" ? globalMode : mode);
                }
                if (mode == "default" && SessionStateWords.BuiltIns.Contains(name))
                {
                    var error = session.Execute($"SELECT {name} ()", OracleParameters.For(0));
                    if (await session.ScalarTextAsync("SELECT @shadow") != "" || error?.Contains(storedFunctionMessage, StringComparison.OrdinalIgnoreCase) == true)
                    {
                        spaceCallsStored.Add(name);
                        await session.ResetAsync(globalMode);
                    }
                }
            }
        }
        foreach (var word in SessionStateWords.ReservedBeforeParenthesis)
        {
            var error = session.Execute($"CREATE FUNCTION {word}() RETURNS INT RETURN 1", OracleParameters.For(0));
            if (error is null || !error.Contains("SQL syntax", StringComparison.OrdinalIgnoreCase))
                failures.Add($"{word} is not a reserved word: CREATE FUNCTION {word}() gave {error ?? "success"}");
        }

        output.WriteLine($"Without IGNORE_SPACE, 'name (' calls the stored function for {spaceCallsStored.Count} built-ins: {string.Join(", ", spaceCallsStored)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private void AssertSound(OracleReport report, bool complete)
    {
        Assert.True(report.Deaths.Count == 0, $"The oracle's server died {report.Deaths.Count} times (restarted each time):\n{string.Join("\n", report.Deaths)}");
        Assert.True(report.Leaks.Count == 0, $"{report.Leaks.Count} statements classed clean changed the session:\n{string.Join("\n", report.Leaks.Take(40))}");
        Assert.True(report.UnflaggedWrites.Count == 0, $"{report.UnflaggedWrites.Count} statements classed non-writing wrote:\n{string.Join("\n", report.UnflaggedWrites.Take(20))}");
        Assert.True(report.WrongClearClaims.Count == 0, $"{report.WrongClearClaims.Count} statements said to empty the warning list left a planted warning:\n{string.Join("\n", report.WrongClearClaims.Take(20))}");
        Assert.True(report.ClearClaimsChecked > 0, "No statement said to empty the warning list was checked.");
        Assert.True(report.PlainNotClean.Count == 0, $"Plain parameterised statements not classed clean:\n{string.Join("\n", report.PlainNotClean.Take(20))}");

        // The feature is skipping resets: a classifier that calls everything dirty is safe and useless.
        var (plain, plainClean) = report.Shapes["plain"];
        Assert.True(plain >= report.Generated / 5, $"Only {plain} plain statements were generated.");
        Assert.Equal(plain, plainClean);
        Assert.True(report.GeneratedClean >= report.Generated * 40 / 100, $"Only {report.GeneratedClean} of {report.Generated} statements were classed clean.");
        foreach (var mode in report.Modes)
        {
            Assert.True(mode.Clean > 0, $"No clean statement ran under {mode.Mode}.");
            if (complete)
                Assert.Equal(report.GeneratedClean, mode.Clean);
        }

        // The oracle has teeth: the generated statements changed every kind of state it reads.
        string[] kinds = ["user variable", "session variable", "transaction", "last insert id", "database", "named lock", "temporary table", "snapshot error", "table lock", "timestamp"];
        if (_mariaDb)
            kinds = [.. kinds, "sequence", "user variables table"];
        foreach (var kind in kinds)
            Assert.True(report.ChangedKinds.ContainsKey(kind), $"No generated statement changed '{kind}': the oracle would not see it change.");
    }
}
