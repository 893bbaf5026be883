using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using MySqlConnector;
using SqlHelpers.Queries;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// Sends statements through <see cref="MySqlBatch"/>, as many per round trip as fit in the server's
/// <c>max_allowed_packet</c> (and at most <see cref="MaxStatements"/>), and returns each one's affected rows. MySqlConnector
/// reports only the batch's total, so each command is followed by <c>SELECT ROW_COUNT()</c> in the same round trip;
/// reading those results also tells which command failed (the server runs none after it).
/// With <see cref="SqlHelperOptions.RewriteBatchedInserts"/>, a run of consecutive plain single-row INSERTs with the same SQL
/// is sent as multi-row INSERT commands (the rule of <see cref="InsertRewrite"/>, restricted to
/// <see cref="InsertShape.AffectsOneRowEach"/> so that each statement's count is known to be 1), unless a later statement
/// of the batch mentions <c>LAST_INSERT_ID</c>.
/// </summary>
internal static class BatchRunner
{
    /// <summary>The most commands sent in one round trip.</summary>
    public const int MaxStatements = 1000;

    private const string Marker = "sqlhelper_row_count";
    private const string MarkerSql = "SELECT ROW_COUNT() AS " + Marker;
    private const int MaxCachedNames = 4096;
    private static readonly ConcurrentDictionary<string, string[]> UsedNames = new();

    /// <summary>Runs the statements in order and returns each one's affected rows (-1 for a statement that returned rows).</summary>
    /// <param name="connection">The scope's connection.</param>
    /// <param name="transaction">The scope's transaction, or <c>null</c>.</param>
    /// <param name="statements">The statements: SQL and parameter object.</param>
    /// <param name="maxAllowedPacket">The server's <c>max_allowed_packet</c>.</param>
    /// <param name="rewriteInserts">Whether runs of identical single-row INSERTs are sent as multi-row INSERTs.</param>
    /// <param name="describe">Names statements <c>first</c> to <c>last</c> of the caller's input in an error message ("statement 3", "rows 17 to 20").</param>
    /// <param name="io">The I/O behaviour.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <exception cref="SqlBatchException">The server rejected a statement; it names which.</exception>
    public static async ValueTask<int[]> RunAsync(MySqlConnection connection, MySqlTransaction? transaction, IReadOnlyList<(string Sql, object? Param)> statements,
        int maxAllowedPacket, bool rewriteInserts, Func<int, int, string> describe, IOBehavior io, CancellationToken cancellationToken)
    {
        var affected = new int[statements.Count];
        var budget = ServerLimits.Budget(maxAllowedPacket);
        var rewriteFrom = rewriteInserts ? LastMentionOfLastInsertId(statements) + 1 : int.MaxValue;
        var parameters = rewriteInserts ? statements.Select(static s => s.Param).ToArray() : null;   // the rows of merged INSERTs
        var sql = new StringBuilder();
        var units = new List<(int First, int Count)>();
        var next = 0;
        while (next < statements.Count)
        {
            using var batch = new MySqlBatch(connection, transaction);
            units.Clear();
            long size = 0;
            while (next < statements.Count && units.Count < MaxStatements)
            {
                var first = next;
                MySqlBatchCommand command;
                long statementSize;
                if (parameters is not null && next >= rewriteFrom && InsertRunAt(statements, next) is { } run)
                {
                    command = new MySqlBatchCommand();
                    next = MultiRowInsert.AppendRows(run.Shape, parameters, next, run.End, budget - size, new RowValues(run.Shape), sql.Clear(), command.Parameters, out _, out statementSize);
                    command.CommandText = sql.ToString();
                }
                else
                {
                    command = Bind(statements[next].Sql, statements[next].Param, out statementSize);
                    next++;
                }
                size += statementSize + MarkerSql.Length + 2;
                if (size > budget && units.Count > 0)
                {
                    next = first;   // it goes first in the next round trip (a statement too big on its own is sent alone: the server says why it failed)
                    break;
                }
                batch.BatchCommands.Add(command);
                batch.BatchCommands.Add(new MySqlBatchCommand(MarkerSql));
                units.Add((first, next - first));
            }
            await RunChunkAsync(batch, units, affected, describe, io, cancellationToken).ConfigureAwait(false);
        }
        return affected;
    }

    private static async ValueTask RunChunkAsync(MySqlBatch batch, List<(int First, int Count)> units, int[] affected, Func<int, int, string> describe, IOBehavior io, CancellationToken cancellationToken)
    {
        var done = 0;
        try
        {
            var reader = io == IOBehavior.Synchronous ? batch.ExecuteReader() : await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                do
                {
                    if (reader.FieldCount == 1 && reader.GetName(0) == Marker)
                    {
                        var hasRow = io == IOBehavior.Synchronous ? reader.Read() : await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        var count = hasRow ? checked((int) reader.GetInt64(0)) : -1;
                        var (first, statements) = units[done];
                        if (statements == 1)
                            affected[first] = count;
                        else
                            affected.AsSpan(first, statements).Fill(count == statements ? 1 : -1);   // a plain INSERT that succeeds inserts each of its rows
                        done++;
                    }
                }
                while (io == IOBehavior.Synchronous ? reader.NextResult() : await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (MySqlException ex) when (done < units.Count && ex.ErrorCode != MySqlErrorCode.QueryInterrupted)
        {
            var (first, statements) = units[done];
            var last = first + statements - 1;
            var message = statements == 1
                ? string.Create(CultureInfo.InvariantCulture, $"The server rejected {describe(first, first)}: {ex.Message.TrimEnd('.')}. The statements before it ran; it and the ones after it did not.")
                : string.Create(CultureInfo.InvariantCulture,
                    $"The server rejected the multi-row INSERT that carried {describe(first, last)} (consecutive INSERTs with the same SQL, sent as one): {ex.Message.TrimEnd('.')}. {MultiRowInsert.NoneOfItsRows} The statements before them ran; the ones after them did not.");
            throw new SqlBatchException(message, first, last, ex);
        }
    }

    /// <summary>
    /// Returns the run of single-row plain INSERTs with the same SQL that starts at <paramref name="index"/> (two at least):
    /// its shape and the index after its last statement; or <c>null</c>.
    /// </summary>
    private static (InsertShape Shape, int End)? InsertRunAt(IReadOnlyList<(string Sql, object? Param)> statements, int index)
    {
        var sql = statements[index].Sql;
        if (index + 1 >= statements.Count || !string.Equals(statements[index + 1].Sql, sql, StringComparison.Ordinal))
            return null;
        if (InsertRewrite.TryParse(sql) is not { AffectsOneRowEach: true } shape)
            return null;
        var end = index + 2;
        while (end < statements.Count && string.Equals(statements[end].Sql, sql, StringComparison.Ordinal))
            end++;
        return (shape, end);
    }

    /// <summary>
    /// Returns the index of the last statement whose text mentions <c>LAST_INSERT_ID</c> (-1 when none does): the INSERTs
    /// before it are sent one by one, so that it sees the id it would see without batching.
    /// </summary>
    private static int LastMentionOfLastInsertId(IReadOnlyList<(string Sql, object? Param)> statements)
    {
        for (var i = statements.Count - 1; i >= 0; i--)
        {
            if (statements[i].Sql.Contains("LAST_INSERT_ID", StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    /// <summary>Makes the batch command for one statement, binding the parameters its SQL uses, and estimates its size in bytes.</summary>
    public static MySqlBatchCommand Bind(string sql, object? param, out long size)
    {
        var command = new MySqlBatchCommand(sql);
        size = Encoding.UTF8.GetByteCount(sql);
        if (param is null)
            return command;
        foreach (var name in NamesUsedBy(sql))
        {
            if (ParameterValues.TryGet(param, name, out var value))
            {
                command.Parameters.Add(ParameterValues.ToParameter(value, "@" + name));
                size += ParameterValues.EstimateSize(value);
            }
        }
        return command;
    }

    /// <summary>Returns the <c>@name</c>s <paramref name="sql"/> uses, outside strings and comments.</summary>
    public static string[] NamesUsedBy(string sql)
    {
        if (UsedNames.TryGetValue(sql, out var names))
            return names;
        names = [.. SqlNames.Scan(sql).Used];
        if (UsedNames.Count < MaxCachedNames)
            UsedNames.TryAdd(sql, names);
        return names;
    }
}
