using MySqlConnector;

namespace SqlHelpers;

/// <summary>What a bulk insert (<see cref="SqlScope.BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>) did: the rows the server inserted and the warnings it raised.</summary>
public sealed class SqlBulkInsertResult
{
    internal SqlBulkInsertResult(int rowsInserted, IReadOnlyList<MySqlError> warnings)
    {
        RowsInserted = rowsInserted;
        Warnings = warnings;
    }

    /// <summary>Gets the number of rows the server inserted.</summary>
    public int RowsInserted { get; }

    /// <summary>
    /// Gets the warnings the server raised while loading, e.g. a value truncated to fit its column. An empty list means
    /// every value was stored as sent.
    /// </summary>
    public IReadOnlyList<MySqlError> Warnings { get; }
}
