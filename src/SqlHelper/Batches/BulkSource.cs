using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>Where a bulk insert's rows come from; it maps its names to the table's columns and hands its rows to the bulk copy.</summary>
internal abstract class BulkSource
{
    /// <summary>Maps the source to <paramref name="columns"/> on <paramref name="bulkCopy"/> and sends every row.</summary>
    /// <exception cref="ArgumentException">A name of the source matches no column.</exception>
    public abstract ValueTask<MySqlBulkCopyResult> WriteAsync(MySqlBulkCopy bulkCopy, IReadOnlyList<string> columns, string quotedTable, IOBehavior io, CancellationToken cancellationToken);
}
