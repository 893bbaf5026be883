using System.Globalization;
using System.Text;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// Sends the rows of a single-row INSERT (see <see cref="InsertRewrite"/>) as multi-row INSERT statements with bound
/// parameters: row <c>r</c>'s <c>@name</c> becomes <c>@r{r}_{k}</c>. A statement holds at most <see cref="MaxRows"/>
/// rows and <see cref="MaxPlaceholders"/> parameters, and fits in the server's <c>max_allowed_packet</c>.
/// </summary>
internal static class MultiRowInsert
{
    /// <summary>The most rows in one statement.</summary>
    public const int MaxRows = 1000;

    /// <summary>The most parameters in one statement (the protocol's limit for prepared statements, kept here too).</summary>
    public const int MaxPlaceholders = 65_535;

    /// <summary>Inserts <paramref name="rows"/> and returns the total affected rows.</summary>
    /// <exception cref="SqlBatchException">The server rejected a statement; it names the rows it held, none of which were inserted.</exception>
    public static async ValueTask<int> RunAsync(MySqlConnection connection, MySqlTransaction? transaction, InsertShape shape, IReadOnlyList<object?> rows,
        int maxAllowedPacket, IOBehavior io, CancellationToken cancellationToken)
    {
        var budget = ServerLimits.Budget(maxAllowedPacket);
        var prefixSize = Encoding.UTF8.GetByteCount(shape.Prefix);
        var rowTextSize = Encoding.UTF8.GetByteCount(shape.Row) + 16L * shape.Parameters.Count + 8;
        var placeholdersPerRow = Math.Max(1, shape.Parameters.Count);
        var total = 0;
        var next = 0;
        var sql = new StringBuilder();
        while (next < rows.Count)
        {
            var first = next;
            sql.Clear().Append(shape.Prefix).Append(' ');
            using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            long size = prefixSize;
            while (next < rows.Count && next - first < MaxRows && (next - first + 1) * placeholdersPerRow <= MaxPlaceholders)
            {
                var rowSize = rowTextSize;
                var mark = command.Parameters.Count;
                var rowIndex = next - first;
                for (var k = 0; k < shape.Parameters.Count; k++)
                {
                    if (ParameterValues.TryGet(rows[next], shape.Parameters[k].Name, out var value))
                    {
                        command.Parameters.AddWithValue(Name(rowIndex, k), value);
                        rowSize += ParameterValues.EstimateSize(value);
                    }
                }
                if (size + rowSize > budget && next > first)
                {
                    while (command.Parameters.Count > mark)
                        command.Parameters.RemoveAt(command.Parameters.Count - 1);
                    break;
                }
                size += rowSize;
                AppendRow(sql, shape, rowIndex, command, next > first);
                next++;
            }
            command.CommandText = sql.ToString();
            try
            {
                total += io == IOBehavior.Synchronous ? command.ExecuteNonQuery() : await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException ex) when (ex.ErrorCode != MySqlErrorCode.QueryInterrupted)
            {
                throw new SqlBatchException(
                    string.Create(CultureInfo.InvariantCulture,
                        $"The server rejected the multi-row INSERT of rows {first} to {next - 1} (zero-based) of the sequence: {ex.Message.TrimEnd('.')}. None of these rows were inserted; the rows before them were."),
                    first, next - 1, ex);
            }
        }
        return total;
    }

    private static string Name(int row, int k) => string.Create(CultureInfo.InvariantCulture, $"@r{row}_{k}");

    /// <summary>Appends row <paramref name="rowIndex"/>: the row's text with each bound <c>@name</c> renamed, others (session variables) kept.</summary>
    private static void AppendRow(StringBuilder sql, InsertShape shape, int rowIndex, MySqlCommand command, bool comma)
    {
        if (comma)
            sql.Append(',');
        var at = 0;
        for (var k = 0; k < shape.Parameters.Count; k++)
        {
            var (offset, length, _) = shape.Parameters[k];
            sql.Append(shape.Row, at, offset - at);
            var name = Name(rowIndex, k);
            sql.Append(command.Parameters.Contains(name) ? name : shape.Row.Substring(offset, length));
            at = offset + length;
        }
        sql.Append(shape.Row, at, shape.Row.Length - at);
    }
}
