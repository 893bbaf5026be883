using System.Data;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>Rows given as a <see cref="DataTable"/>: one column per <see cref="DataColumn"/>, matched by its name.</summary>
internal sealed class DataTableBulkSource(DataTable rows) : BulkSource
{
    public override async ValueTask<MySqlBulkCopyResult> WriteAsync(MySqlBulkCopy bulkCopy, IReadOnlyList<string> columns, string quotedTable, IOBehavior io, CancellationToken cancellationToken)
    {
        BulkLoader.Map(bulkCopy, [.. rows.Columns.Cast<DataColumn>().Select(static c => c.ColumnName)], columns, quotedTable, static name => $"The DataTable column '{name}'");
        return io == IOBehavior.Synchronous ? bulkCopy.WriteToServer(rows) : await bulkCopy.WriteToServerAsync(rows, cancellationToken).ConfigureAwait(false);
    }
}
