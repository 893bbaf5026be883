using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using MySqlConnector;
using SqlHelpers.Benchmarks.Infrastructure;

namespace SqlHelpers.Benchmarks.Bulk;

/// <summary>
/// The <c>bulk</c> subcommand, part one: inserting <c>--rows</c> (10,000) rows in one transaction by raw Dapper's
/// <c>Execute(sql, list)</c> (a round trip per row), SqlHelper's <c>Execute(sql, list)</c> (rewritten into multi-row
/// INSERTs), <c>ExecuteBatch</c> (MySqlBatch) and <c>BulkInsert</c> (MySqlBulkCopy), as interleaved rounds with the order
/// rotating, so that a busy machine slows every variant alike. Reports median and minimum ms and the ratio to raw Dapper.
/// Part two (<see cref="StreamMemoryCommand"/>) compares streaming with FetchAll.
/// </summary>
internal static class BulkInsertCommand
{
    private const string Table = "bench_bulk_rows";
    private const string InsertSql = "INSERT INTO " + Table + " (id, name, amount, at) VALUES (@Id, @Name, @Amount, @At)";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child")
            return await StreamMemoryCommand.RunChildAsync(args[1..]);
        var (connection, rest) = ExeArguments.TakeOption(args, "--connection");
        var (roundsText, rest2) = ExeArguments.TakeOption(rest, "--rounds");
        var (rowsText, rest3) = ExeArguments.TakeOption(rest2, "--rows");
        var (streamRowsText, _) = ExeArguments.TakeOption(rest3, "--stream-rows");
        var rounds = roundsText is null ? 7 : int.Parse(roundsText, CultureInfo.InvariantCulture);
        var rowCount = rowsText is null ? 10_000 : int.Parse(rowsText, CultureInfo.InvariantCulture);
        var streamRows = streamRowsText is null ? 1_000_000 : int.Parse(streamRowsText, CultureInfo.InvariantCulture);

        await using var database = await BenchmarkDatabase.ResolveAsync(connection);
        var cs = new MySqlConnectionStringBuilder(ConnectionStrings.For(database.ConnectionString, connectionReset: false, maxPoolSize: 10)) { AllowLoadLocalInfile = true }.ConnectionString;
        await using var db = new SqlHelper(ConnectionStrings.Helper(cs, ScopeMode.AsyncFlowStack, 10));
        var rewriting = ConnectionStrings.Helper(cs, ScopeMode.AsyncFlowStack, 10);
        rewriting.RewriteBatchedInserts = true;
        await using var rewritingDb = new SqlHelper(rewriting);
        await using (var setup = new MySqlConnection(cs))
        {
            await setup.OpenAsync();
            await setup.ExecuteAsync($"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(12,2) NOT NULL, at DATETIME NOT NULL) ENGINE=InnoDB");
        }
        var rows = Enumerable.Range(1, rowCount).Select(static i => new Row(i, "name " + i.ToString(CultureInfo.InvariantCulture), i / 100m, new DateTime(2024, 1, 1).AddSeconds(i))).ToList();

        (string Name, Func<Task<int>> Run)[] variants =
        [
            ("raw Dapper Execute(sql, list), a round trip per row", () => RawDapperAsync(cs, rows)),
            ("SqlHelper Execute(sql, list), multi-row INSERT", () => HelperExecuteAsync(db, rows)),
            ("SqlHelper ExecuteBatch, MySqlBatch", () => HelperBatchAsync(db, rows)),
            ("SqlHelper ExecuteBatch, RewriteBatchedInserts", () => HelperBatchAsync(rewritingDb, rows)),
            ("reference: raw MySqlBatch, chunks of 1,000, no per-statement counts", () => RawBatchAsync(cs, rows)),
            ("reference: raw MySqlBatch, chunks of 1,000, + SELECT ROW_COUNT() per statement", () => RawBatchAsync(cs, rows, markers: true)),
            ("SqlHelper BulkInsert, MySqlBulkCopy", () => HelperBulkAsync(db, rows)),
        ];
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)   // round -1 warms up
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var v = (Math.Max(round, 0) + k) % variants.Length;
                await TruncateAsync(cs);
                var start = Stopwatch.GetTimestamp();
                var inserted = await variants[v].Run();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (inserted != rowCount)
                    throw new InvalidOperationException($"{variants[v].Name} inserted {inserted} rows, not {rowCount}.");
                if (round >= 0)
                    times[v].Add(elapsed);
            }
            Console.Error.WriteLine($"// round {round + 1} of {rounds} done");
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Inserting {rowCount:N0} rows in one transaction; {rounds} interleaved rounds, order rotating; database {database.Description}; load average {MachineLoad()}.");
        report.AppendLine();
        report.AppendLine("| variant | median ms | min ms | max ms | speed-up vs raw Dapper (medians) |");
        report.AppendLine("|---|--:|--:|--:|--:|");
        var rawMedian = Median(times[0]);
        for (var v = 0; v < variants.Length; v++)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {Median(times[v]):F1} | {times[v].Min():F1} | {times[v].Max():F1} | {rawMedian / Median(times[v]):F1}× |");
        }
        Console.WriteLine(report);

        await TruncateAsync(cs);
        await StreamMemoryCommand.RunAsync(database.ConnectionString, streamRows);
        await using (var cleanup = new MySqlConnection(cs))
        {
            await cleanup.OpenAsync();
            await cleanup.ExecuteAsync($"DROP TABLE IF EXISTS {Table}");
        }
        return 0;
    }

    private static async Task<int> RawDapperAsync(string cs, List<Row> rows)
    {
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var inserted = await connection.ExecuteAsync(InsertSql, rows, transaction);
        await transaction.CommitAsync();
        return inserted;
    }

    private static async Task<int> HelperExecuteAsync(SqlHelper db, List<Row> rows)
    {
        await using var scope = await db.OpenAsync();
        await scope.BeginTransactionAsync();
        var inserted = await scope.ExecuteAsync(InsertSql, rows);
        await scope.CommitAsync();
        return inserted;
    }

    private static async Task<int> HelperBatchAsync(SqlHelper db, List<Row> rows)
    {
        await using var scope = await db.OpenAsync();
        await scope.BeginTransactionAsync();
        var affected = await scope.ExecuteBatchAsync(rows.Select(static r => new SqlBatchStatement(InsertSql, r)));
        await scope.CommitAsync();
        return affected.Sum();
    }

    private static async Task<int> RawBatchAsync(string cs, List<Row> rows, bool markers = false)
    {
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var inserted = 0;
        foreach (var chunk in rows.Chunk(1000))
        {
            await using var batch = new MySqlBatch(connection, transaction);
            foreach (var row in chunk)
            {
                var command = new MySqlBatchCommand(InsertSql);
                command.Parameters.AddWithValue("@Id", row.Id);
                command.Parameters.AddWithValue("@Name", row.Name);
                command.Parameters.AddWithValue("@Amount", row.Amount);
                command.Parameters.AddWithValue("@At", row.At);
                batch.BatchCommands.Add(command);
                if (markers)
                    batch.BatchCommands.Add(new MySqlBatchCommand("SELECT ROW_COUNT()"));   // what ExecuteBatch adds to learn each statement's count
            }
            if (!markers)
            {
                inserted += await batch.ExecuteNonQueryAsync();
                continue;
            }
            await using var reader = await batch.ExecuteReaderAsync();
            do
            {
                if (await reader.ReadAsync())
                    inserted += (int) reader.GetInt64(0);
            }
            while (await reader.NextResultAsync());
        }
        await transaction.CommitAsync();
        return inserted;
    }

    private static async Task<int> HelperBulkAsync(SqlHelper db, List<Row> rows)
    {
        await using var scope = await db.OpenAsync();
        await scope.BeginTransactionAsync();
        var result = await scope.BulkInsertAsync(Table, rows);
        await scope.CommitAsync();
        return result.RowsInserted;
    }

    private static async Task TruncateAsync(string cs)
    {
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
        await connection.ExecuteAsync($"TRUNCATE TABLE {Table}");
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string MachineLoad() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal sealed record Row(int Id, string Name, decimal Amount, DateTime At);
}
