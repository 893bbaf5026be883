using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>Rows given as objects (an <see cref="IEnumerable{T}"/> or an <see cref="IAsyncEnumerable{T}"/>): one column per public member.</summary>
internal sealed class ObjectBulkSource<T>(IEnumerable<T>? rows, IAsyncEnumerable<T>? asyncRows) : BulkSource
{
    public override async ValueTask<MySqlBulkCopyResult> WriteAsync(MySqlBulkCopy bulkCopy, IReadOnlyList<string> columns, string quotedTable, IOBehavior io, CancellationToken cancellationToken)
    {
        var members = BulkLoader.MembersOf(typeof(T));
        BulkLoader.Map(bulkCopy, [.. members.Select(static m => m.Name)], columns, quotedTable, static name => $"The member {typeof(T).Name}.{name}");
        var reader = asyncRows is not null ? new ObjectDataReader<T>(asyncRows, members, cancellationToken) : new ObjectDataReader<T>(rows!, members);
        await using (reader.ConfigureAwait(false))
        {
            return io == IOBehavior.Synchronous ? bulkCopy.WriteToServer(reader) : await bulkCopy.WriteToServerAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }
}
