using System.Collections;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// <c>Execute(sql, sequence)</c>: the statement once per element, sent in batches instead of a round trip per element.
/// A single-row INSERT is rewritten into multi-row INSERTs (<see cref="InsertRewrite"/>); anything else goes through
/// <see cref="BatchRunner"/>. Returns the total affected rows, as Dapper's loop does.
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
}
