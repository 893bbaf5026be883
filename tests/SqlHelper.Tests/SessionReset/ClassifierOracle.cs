using System.Diagnostics;
using SqlHelpers.Queries;

namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// The differential check of <see cref="SessionStateClassifier"/>: generates statements, classifies each once (the
/// classifier does not know the sql_mode), runs every statement it calls state-free under every sql_mode and every other
/// statement under one of them, and compares a snapshot of the session taken after each statement with the one before.
/// A state-free statement that changed the session is a leak; a statement called non-writing that changed the oracle
/// tables' data is an unflagged write. The session is reset only after a statement changed it.
/// </summary>
internal sealed class ClassifierOracle(OracleServerFixture db, OracleSchema schema, bool mariaDb)
{
    private const int RefillEvery = 400;

    /// <summary>How many server deaths a run survives (each is reported with its statement) before it stops.</summary>
    private const int MaxDeaths = 3;

    /// <summary>The warning planted before a statement that should empty the warning list (1292, quoting <see cref="PlantedText"/>).</summary>
    private const string PlantWarning = "DO CAST('oracle-planted' AS SIGNED)";

    private const string PlantedText = "oracle-planted";

    /// <summary>Gets the sql_modes every state-free statement runs under (<c>default</c> is the server's global sql_mode).</summary>
    public IReadOnlyList<string> Modes => mariaDb ? ["default", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI", "ORACLE"] : ["default", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI"];

    /// <summary>
    /// Generates <paramref name="count"/> statements from <paramref name="seed"/> and checks them. Each mode gets an equal
    /// share of <paramref name="budget"/> and moves on to the next mode when its share is spent.
    /// </summary>
    public async Task<OracleReport> RunAsync(int seed, int count, TimeSpan budget)
    {
        var stopwatch = Stopwatch.StartNew();
        var report = new OracleReport { Seed = seed };
        var statements = Generate(seed, count, report);
        await using var oracle = await SessionOracle.OpenAsync(db.ConnectionString, schema.Database, mariaDb);
        var globalMode = await oracle.ScalarTextAsync("SELECT @@GLOBAL.sql_mode");
        var sinceRefill = 0;
        for (var m = 0; m < Modes.Count; m++)
        {
            var modeReport = new OracleModeReport(Modes[m]);
            report.Modes.Add(modeReport);
            var sqlMode = Modes[m] == "default" ? globalMode : Modes[m];
            await oracle.ResetAsync(sqlMode);
            var first = oracle.Snapshot();
            var baseline = first;
            var deadline = budget == TimeSpan.MaxValue ? TimeSpan.MaxValue : budget * (m + 1) / Modes.Count;
            for (var i = 0; i < statements.Count && stopwatch.Elapsed < deadline; i++)
            {
                var (statement, effects) = statements[i];
                var clean = (effects & StatementEffects.ChangesSession) == 0;
                if (!clean && i % Modes.Count != m)
                    continue;
                if (++sinceRefill >= RefillEvery)
                {
                    await schema.RefillAsync();
                    baseline = oracle.Snapshot();
                    sinceRefill = 0;
                }
                // Every third statement said to empty the warning list runs after a planted warning, which must then be gone.
                var checkClear = clean && DiagnosticsClearing.ClearsFirst(statement.Sql, effects) && i % 3 == 0;
                if (checkClear)
                    oracle.Execute(PlantWarning, OracleParameters.For(0));
                var started = stopwatch.Elapsed;
                var error = oracle.Execute(statement.Sql, OracleParameters.For(i));
                var executed = stopwatch.Elapsed;
                var after = oracle.Snapshot();
                if (oracle.ConnectionLost && await ServerDiedAsync(oracle, report, $"{statement.Sql}  under sql_mode {Modes[m]} ('{sqlMode}')", error))
                {
                    if (report.Deaths.Count >= MaxDeaths)
                        break;
                    await oracle.ResetAsync(sqlMode);
                    baseline = oracle.Snapshot();
                    continue;
                }
                report.ExecuteTime += executed - started;
                report.SnapshotTime += stopwatch.Elapsed - executed;
                var changes = after.SessionChanges(baseline);
                Record(report, modeReport, statement, effects, error, after, changes, after.DataChanges(baseline));
                if (checkClear)
                {
                    report.ClearClaimsChecked++;
                    if (after.Diagnostics.Any(static d => d.Contains(PlantedText, StringComparison.Ordinal)))
                        report.WrongClearClaims.Add($"[{Modes[m]}] {statement.Sql}");
                }
                if (changes.Count > 0 || statement.ForceReset)
                {
                    await oracle.ResetAsync(sqlMode);
                    baseline = oracle.Snapshot();
                    if (oracle.ConnectionLost && await ServerDiedAsync(oracle, report, $"the reset after: {statement.Sql}  under sql_mode {Modes[m]} ('{sqlMode}')", null))
                    {
                        if (report.Deaths.Count >= MaxDeaths)
                            break;
                        await oracle.ResetAsync(sqlMode);
                        baseline = oracle.Snapshot();
                        continue;
                    }
                    foreach (var leftover in baseline.SessionChanges(first))
                        report.ResetLeftovers.TryAdd(leftover, $"[{Modes[m]}] {statement.Sql}");
                }
                else
                {
                    baseline = after;   // the session is as before; the data may have moved on
                }
            }
            if (report.Deaths.Count >= MaxDeaths)
                break;
        }
        report.Elapsed = stopwatch.Elapsed;
        report.Resets = oracle.Resets;
        return report;
    }

    /// <summary>
    /// After a statement left the oracle's connection closed: returns <c>false</c> when the server is up (a statement may
    /// close its own connection); otherwise records "server died while running" with the statement, the sql_mode and the
    /// end of the server's error log, and starts the server again so the run goes on.
    /// </summary>
    private async Task<bool> ServerDiedAsync(SessionOracle oracle, OracleReport report, string running, string? error)
    {
        oracle.ConnectionLost = false;
        if (db.IsAlive())
            return false;
        var log = await db.RestartAfterDeathAsync();
        report.Deaths.Add($"server died while running: {running}\n    client error: {error ?? "(none)"}\n    the server's error log:\n{log}");
        return true;
    }

    private List<(GeneratedStatement Statement, StatementEffects Effects)> Generate(int seed, int count, OracleReport report)
    {
        var analyzer = new StatementAnalyzer();
        var generator = new StatementGenerator(seed, schema.Database, mariaDb);
        var statements = new List<(GeneratedStatement, StatementEffects)>(count);
        for (var i = 0; i < count; i++)
        {
            var statement = generator.Next();
            var effects = analyzer.Analyze(statement.Sql, OracleParameters.For(i));
            var clean = (effects & StatementEffects.ChangesSession) == 0;
            statements.Add((statement, effects));
            report.Generated++;
            report.GeneratedClean += clean ? 1 : 0;
            report.GeneratedClearing += DiagnosticsClearing.ClearsFirst(statement.Sql, effects) ? 1 : 0;
            var (total, cleanCount) = report.Shapes.GetValueOrDefault(statement.Shape);
            report.Shapes[statement.Shape] = (total + 1, cleanCount + (clean ? 1 : 0));
            if (statement.Shape == "plain" && effects != StatementEffects.None && (effects != StatementEffects.Writes || !IsWrite(statement.Sql)))
                report.PlainNotClean.Add($"{effects}: {statement.Sql}");
        }
        return statements;
    }

    private static bool IsWrite(string sql) => sql.TrimStart().StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) || sql.TrimStart().StartsWith("DELETE", StringComparison.OrdinalIgnoreCase);

    private static void Record(OracleReport report, OracleModeReport mode, GeneratedStatement statement, StatementEffects effects, string? error,
        SessionSnapshot after, List<string> changes, List<string> dataChanges)
    {
        var clean = (effects & StatementEffects.ChangesSession) == 0;
        var outcome = error is null ? "" : $"  (error: {error})";
        mode.Executed++;
        if (clean)
        {
            mode.Clean++;
            mode.CleanErrored += error is null ? 0 : 1;
            if (error is not null)
            {
                var key = error.Length > 60 ? error[..60] : error;
                report.CleanErrors[key] = (report.CleanErrors.GetValueOrDefault(key).Count + 1, $"[{mode.Mode}] {statement.Sql}");
            }
            if (after.Diagnostics.Count > 0)
            {
                mode.CleanLeftWarnings += error is null ? 1 : 0;
                if (report.CleanDiagnosticsExamples.Count < 6 && error is null)
                    report.CleanDiagnosticsExamples.Add($"[{mode.Mode}] {statement.Sql} => {after.Diagnostics[0]}");
            }
            if (changes.Count > 0)
            {
                mode.Leaks++;
                report.Leaks.Add($"[{mode.Mode}] {statement.Sql}  =>  {string.Join("; ", changes)}{outcome}");
            }
        }
        else
        {
            mode.Dirty++;
            mode.DirtyChangedState += changes.Count > 0 ? 1 : 0;
        }
        foreach (var kind in changes.Select(SessionSnapshot.KindOf).Distinct(StringComparer.Ordinal))
            report.ChangedKinds[kind] = report.ChangedKinds.GetValueOrDefault(kind) + 1;
        if ((effects & StatementEffects.Writes) == 0 && dataChanges.Count > 0)
        {
            mode.UnflaggedWrites++;
            report.UnflaggedWrites.Add($"[{mode.Mode}] {statement.Sql}  =>  {string.Join("; ", dataChanges)}{outcome}");
        }
    }
}
