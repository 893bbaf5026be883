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
/// reports only the batch's total, so each statement is followed by <c>SELECT ROW_COUNT()</c> in the same round trip;
/// reading those results also tells which statement failed (the server runs none after it).
/// </summary>
internal static class BatchRunner
{
    /// <summary>The most statements sent in one round trip.</summary>
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
    /// <param name="describe">Names statement <c>i</c> of the caller's input in an error message ("statement 3", "row 17").</param>
    /// <param name="io">The I/O behaviour.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <exception cref="SqlBatchException">The server rejected a statement; it names which.</exception>
    public static async ValueTask<int[]> RunAsync(MySqlConnection connection, MySqlTransaction? transaction, IReadOnlyList<(string Sql, object? Param)> statements,
        int maxAllowedPacket, Func<int, string> describe, IOBehavior io, CancellationToken cancellationToken)
    {
        var affected = new int[statements.Count];
        var budget = ServerLimits.Budget(maxAllowedPacket);
        var next = 0;
        while (next < statements.Count)
        {
            var first = next;
            using var batch = new MySqlBatch(connection, transaction);
            long size = 0;
            while (next < statements.Count && batch.BatchCommands.Count < 2 * MaxStatements)
            {
                var command = Bind(statements[next].Sql, statements[next].Param, out var statementSize);
                size += statementSize + MarkerSql.Length + 2;
                if (size > budget && next > first)
                    break;   // it goes first in the next round trip (a statement too big on its own is sent alone: the server says why it failed)
                batch.BatchCommands.Add(command);
                batch.BatchCommands.Add(new MySqlBatchCommand(MarkerSql));
                next++;
            }
            await RunChunkAsync(batch, affected, first, next - first, describe, io, cancellationToken).ConfigureAwait(false);
        }
        return affected;
    }

    private static async ValueTask RunChunkAsync(MySqlBatch batch, int[] affected, int first, int count, Func<int, string> describe, IOBehavior io, CancellationToken cancellationToken)
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
                        affected[first + done] = hasRow ? checked((int) reader.GetInt64(0)) : -1;
                        done++;
                    }
                }
                while (io == IOBehavior.Synchronous ? reader.NextResult() : await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (MySqlException ex) when (done < count && ex.ErrorCode != MySqlErrorCode.QueryInterrupted)
        {
            var index = first + done;
            throw new SqlBatchException(
                string.Create(CultureInfo.InvariantCulture, $"The server rejected {describe(index)}: {ex.Message.TrimEnd('.')}. The statements before it ran; it and the ones after it did not."),
                index, index, ex);
        }
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
                command.Parameters.AddWithValue("@" + name, value);
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
