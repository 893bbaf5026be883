using System.Globalization;
using System.Text;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// Sends the rows of a single-row INSERT (see <see cref="InsertRewrite"/>) as multi-row INSERT statements with bound
/// positional parameters: each <c>@name</c> a row supplies becomes <c>?</c> (no per-row parameter names to make, add and
/// look up again). A statement holds at most <see cref="MaxRows"/> rows and <see cref="MaxPlaceholders"/> parameters, and
/// fits in the server's <c>max_allowed_packet</c>. When the list fills at least two whole statements, the whole ones are
/// sent as a server-side prepared statement: the server then reads binary values instead of parsing every literal, which
/// is most of its work here. A session keeps one such statement per INSERT shape (MySqlConnector caches it by its text;
/// a session reset drops it); the remainder, and any statement cut short by the packet size, goes as plain text.
/// </summary>
internal static class MultiRowInsert
{
    /// <summary>The most rows in one statement.</summary>
    public const int MaxRows = 1000;

    /// <summary>The most parameters in one statement (the protocol's limit for prepared statements).</summary>
    public const int MaxPlaceholders = 65_535;

    /// <summary>What a failed multi-row INSERT left, for error messages.</summary>
    public const string NoneOfItsRows =
        "On a transactional table (InnoDB) none of its rows were inserted; on a non-transactional one (MyISAM, Aria) those before the failing row were.";

    /// <summary>Inserts <paramref name="rows"/> and returns the total affected rows.</summary>
    /// <param name="connection">The scope's connection.</param>
    /// <param name="transaction">The scope's transaction, or <c>null</c>.</param>
    /// <param name="shape">The INSERT taken apart.</param>
    /// <param name="rows">The parameter objects, one per row.</param>
    /// <param name="maxAllowedPacket">The server's <c>max_allowed_packet</c>.</param>
    /// <param name="io">The I/O behaviour.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <exception cref="SqlBatchException">The server rejected a statement; it names the rows it held.</exception>
    public static async ValueTask<int> RunAsync(MySqlConnection connection, MySqlTransaction? transaction, InsertShape shape, IReadOnlyList<object?> rows,
        int maxAllowedPacket, IOBehavior io, CancellationToken cancellationToken)
    {
        var budget = ServerLimits.Budget(maxAllowedPacket);
        var rowsPerStatement = RowsPerStatement(shape);
        var prepareWholeStatements = rows.Count >= 2 * rowsPerStatement;
        var values = new RowValues(shape);
        var sql = new StringBuilder();
        var total = 0;
        Statement? statement = Build(0);
        try
        {
            while (statement is { } current)
            {
                if (current.Prepare)
                    await TryPrepareAsync(current.Command, io, cancellationToken).ConfigureAwait(false);
                if (io == IOBehavior.Synchronous)
                {
                    total += Map(current, static command => command.ExecuteNonQuery());
                    current.Command.Dispose();
                    statement = current.End < rows.Count ? Build(current.End) : null;
                    continue;
                }
                // While the server runs this statement, the next one is built (binding its rows costs about as much client
                // time as the server spends on its share): never left running unobserved, even when building fails.
                var running = current.Command.ExecuteNonQueryAsync(cancellationToken);
                Statement? following;
                try
                {
                    following = current.End < rows.Count ? Build(current.End) : null;
                }
                catch
                {
                    try
                    {
                        await running.ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is MySqlException or OperationCanceledException)
                    {
                        // The statement's outcome is the caller's to learn from the session; the binding error is reported.
                    }
                    throw;
                }
                try
                {
                    total += await MapAsync(current, running).ConfigureAwait(false);
                }
                catch
                {
                    following?.Command.Dispose();
                    throw;
                }
                current.Command.Dispose();
                statement = following;
            }
        }
        finally
        {
            statement?.Command.Dispose();
        }
        return total;

        Statement Build(int first)
        {
            var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var end = AppendRows(shape, rows, first, rows.Count, budget, values, sql.Clear(), command.Parameters, out var sameParameters, out _);
            command.CommandText = sql.ToString();
            return new Statement(command, first, end, prepareWholeStatements && sameParameters && end - first == rowsPerStatement);
        }
    }

    /// <summary>One multi-row INSERT ready to send: its command, the rows it carries (<c>First</c> to <c>End - 1</c>), and whether to prepare it.</summary>
    private readonly record struct Statement(MySqlCommand Command, int First, int End, bool Prepare);

    private static int Map(Statement statement, Func<MySqlCommand, int> execute)
    {
        try
        {
            return execute(statement.Command);
        }
        catch (MySqlException ex) when (ex.ErrorCode != MySqlErrorCode.QueryInterrupted)
        {
            throw Rejected(statement, ex);
        }
    }

    private static async ValueTask<int> MapAsync(Statement statement, Task<int> running)
    {
        try
        {
            return await running.ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.ErrorCode != MySqlErrorCode.QueryInterrupted)
        {
            throw Rejected(statement, ex);
        }
    }

    private static SqlBatchException Rejected(Statement statement, MySqlException ex) => new(
        string.Create(CultureInfo.InvariantCulture,
            $"The server rejected the multi-row INSERT of rows {statement.First} to {statement.End - 1} (zero-based) of the sequence: {ex.Message.TrimEnd('.')}. {NoneOfItsRows} The rows before them were inserted."),
        statement.First, statement.End - 1, ex);

    /// <summary>
    /// Prepares <paramref name="command"/> on the server (a cache hit after the first time on a session). A statement the
    /// server will not prepare is sent as text instead: preparing runs nothing, so nothing can run twice.
    /// </summary>
    private static async ValueTask TryPrepareAsync(MySqlCommand command, IOBehavior io, CancellationToken cancellationToken)
    {
        try
        {
            if (io == IOBehavior.Synchronous)
                command.Prepare();
            else
                await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.ErrorCode != MySqlErrorCode.QueryInterrupted && ex.SqlState is not null)
        {
            // The server refused to prepare it (a construct it cannot prepare, a full prepared-statement table): the text
            // protocol runs the same statement.
        }
    }

    /// <summary>Returns how many rows one statement of <paramref name="shape"/> holds at most.</summary>
    public static int RowsPerStatement(InsertShape shape) => Math.Min(MaxRows, MaxPlaceholders / Math.Max(1, shape.Parameters.Count));

    /// <summary>
    /// Writes into <paramref name="sql"/> and <paramref name="parameters"/> one multi-row INSERT of the rows from
    /// <paramref name="first"/> on (before <paramref name="end"/>), as many as one statement holds within
    /// <paramref name="budget"/> bytes (at least one), and returns the index after the last row taken;
    /// <paramref name="sameParameters"/> says whether every row taken supplies the same parameters (so the text is the
    /// shape's usual one) and <paramref name="size"/> is the statement's estimated size in bytes.
    /// </summary>
    public static int AppendRows(InsertShape shape, IReadOnlyList<object?> rows, int first, int end, long budget, RowValues values,
        StringBuilder sql, MySqlParameterCollection parameters, out bool sameParameters, out long size)
    {
        var rowsPerStatement = RowsPerStatement(shape);
        var rowTextSize = Encoding.UTF8.GetByteCount(shape.Row) + 8L;
        var firstRowSupplied = new bool[shape.Parameters.Count];
        sql.Append(shape.Prefix).Append(' ');
        size = Encoding.UTF8.GetByteCount(shape.Prefix) + 1;
        sameParameters = true;
        var next = first;
        while (next < end && next - first < rowsPerStatement)
        {
            values.Read(rows[next]);
            var rowSize = rowTextSize;
            for (var k = 0; k < values.Supplied.Length; k++)
            {
                if (values.Supplied[k])
                    rowSize += ParameterValues.EstimateSize(values.Values[k]);
            }
            if (size + rowSize > budget && next > first)
                break;   // it goes first in the next statement (a row too big on its own is sent alone: the server says why it failed)
            size += rowSize;
            if (next == first)
                values.Supplied.CopyTo(firstRowSupplied, 0);
            else
                sameParameters &= values.Supplied.AsSpan().SequenceEqual(firstRowSupplied);
            AppendRow(sql, shape, values.Supplied, next > first);
            for (var k = 0; k < values.Supplied.Length; k++)
            {
                if (values.Supplied[k])
                    parameters.Add(ParameterValues.ToParameter(values.Values[k], name: null));
            }
            next++;
        }
        return next;
    }

    /// <summary>Appends one row: its text with each supplied <c>@name</c> replaced by <c>?</c>, the others (session variables) kept.</summary>
    private static void AppendRow(StringBuilder sql, InsertShape shape, bool[] supplied, bool comma)
    {
        if (comma)
            sql.Append(',');
        var at = 0;
        for (var k = 0; k < shape.Parameters.Count; k++)
        {
            var (offset, length, _) = shape.Parameters[k];
            sql.Append(shape.Row, at, offset - at);
            if (supplied[k])
                sql.Append('?');
            else
                sql.Append(shape.Row, offset, length);
            at = offset + length;
        }
        sql.Append(shape.Row, at, shape.Row.Length - at);
    }
}
