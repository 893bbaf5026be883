using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySqlConnector;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// Makes sure <c>sbtest1</c> exists with its 10,000 rows: prepared by <c>sysbench oltp_point_select prepare</c> when
/// sysbench is installed (so both sides read the very table sysbench made), else created here in the same shape.
/// </summary>
internal static class SbTestTable
{
    public static async Task EnsureAsync(string connectionString, SysbenchTool? sysbench, TextWriter log)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        if (!await ExistsAsync(connection))
        {
            if (sysbench is not null)
            {
                log.WriteLine($"// {Workload.Table} is missing: preparing it with sysbench ({Workload.Rows} rows)");
                await sysbench.PrepareAsync();
            }
            else
            {
                log.WriteLine($"// {Workload.Table} is missing: creating it ({Workload.Rows} rows)");
                await CreateAsync(connection, log);
            }
        }
        var rows = await ScalarAsync(connection, $"SELECT COUNT(*) FROM {Workload.Table}");
        var maxId = await ScalarAsync(connection, $"SELECT COALESCE(MAX(id), 0) FROM {Workload.Table}");
        if (rows != Workload.Rows || maxId != Workload.Rows)
        {
            throw new InvalidOperationException(
                $"Table {Workload.Table} has {rows} rows (max id {maxId}), not {Workload.Rows} with ids 1..{Workload.Rows}. " +
                $"It is the benchmark's table: drop it (DROP TABLE {Workload.Table}) and run again to have it recreated.");
        }
    }

    private static async Task<long> ScalarAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<bool> ExistsAsync(MySqlConnection connection)
    {
        await using var command = new MySqlCommand(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = @name", connection);
        command.Parameters.AddWithValue("@name", Workload.Table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>sysbench's DDL and value shapes (c: ten groups of 11 digits, pad: five), without sysbench.</summary>
    private static async Task CreateAsync(MySqlConnection connection, TextWriter log)
    {
        var stopwatch = Stopwatch.StartNew();
        await using (var create = new MySqlCommand(
            $"CREATE TABLE {Workload.Table} (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, " +
            "c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var random = new Random(20_251_125);
        const int batch = 1_000;
        for (var first = 1; first <= Workload.Rows; first += batch)
        {
            var sql = new StringBuilder($"INSERT INTO {Workload.Table} (id, k, c, pad) VALUES ");
            for (var id = first; id < first + batch && id <= Workload.Rows; id++)
            {
                if (id != first)
                    sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"({id},{random.Next(1, Workload.Rows + 1)},'{Digits(random, 10)}','{Digits(random, 5)}')");
            }
            await using var insert = new MySqlCommand(sql.ToString(), connection);
            await insert.ExecuteNonQueryAsync();
        }
        log.WriteLine($"// created {Workload.Table} in {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    private static string Digits(Random random, int groups)
    {
        var text = new StringBuilder(groups * 12);
        for (var g = 0; g < groups; g++)
        {
            if (g != 0)
                text.Append('-');
            for (var d = 0; d < 11; d++)
                text.Append((char) ('0' + random.Next(10)));
        }
        return text.ToString();
    }
}
