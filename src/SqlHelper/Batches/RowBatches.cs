using System.Collections;
using System.Globalization;
using Dapper;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// <c>Execute(sql, sequence)</c>: the statement once per element, sent in batches instead of a round trip per element.
/// A single-row INSERT is rewritten into multi-row INSERTs (<see cref="InsertRewrite"/>); anything else goes through
/// <see cref="BatchRunner"/>. A sequence with a row that needs Dapper's own binding (<see cref="ParameterValues.NeedsDapper"/>)
/// runs as Dapper's loop instead, a round trip per row. Returns the total affected rows, as Dapper's loop does.
/// </summary>
internal static class RowBatches
{
    public static async ValueTask<int> ExecuteAsync(MySqlConnection connection, SqlScope.Statement statement, IOBehavior io)
    {
        var (sql, param, transaction, cancellationToken, pool) = statement;
        var rows = param as IReadOnlyList<object?> ?? ((IEnumerable) param!).Cast<object?>().ToList();
        if (rows.Count == 0)
            return 0;
        if (pool is not null)
        {
            foreach (var row in rows)
                pool.ParameterCheck.Validate(sql, row);
        }
        if (NeedsDapper(sql, rows))
        {
            return io == IOBehavior.Synchronous
                ? connection.Execute(sql, rows, transaction)
                : await connection.ExecuteAsync(new CommandDefinition(sql, rows, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        var limits = pool?.Limits ?? new ServerLimits();
        var maxAllowedPacket = await limits.MaxAllowedPacketAsync(connection, transaction, io, cancellationToken).ConfigureAwait(false);
        if (InsertRewrite.TryParse(sql) is { } shape)
            return await MultiRowInsert.RunAsync(connection, transaction, shape, rows, maxAllowedPacket, io, cancellationToken).ConfigureAwait(false);
        var statements = new (string, object?)[rows.Count];
        for (var i = 0; i < statements.Length; i++)
            statements[i] = (sql, rows[i]);
        var affected = await BatchRunner.RunAsync(connection, transaction, statements, maxAllowedPacket, rewriteInserts: false,
            static (i, _) => string.Create(CultureInfo.InvariantCulture, $"the statement for row {i} (zero-based) of the sequence"), io, cancellationToken).ConfigureAwait(false);
        var total = 0;
        foreach (var count in affected)
            total += count;
        return total;
    }

    /// <summary>Returns whether a row needs Dapper's own binding (<see cref="ParameterValues.NeedsDapper"/>): then the whole sequence runs as Dapper's loop, a round trip per row, as before batching.</summary>
    private static bool NeedsDapper(string sql, IReadOnlyList<object?> rows)
    {
        var names = BatchRunner.NamesUsedBy(sql);
        foreach (var row in rows)
        {
            if (ParameterValues.NeedsDapper(row, names))
                return true;
        }
        return false;
    }
}
