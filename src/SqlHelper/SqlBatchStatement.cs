namespace SqlHelpers;

/// <summary>
/// One statement of a batch run by <see cref="SqlScope.ExecuteBatch"/> or <see cref="SqlHelper.ExecuteBatch"/>: its SQL
/// and the object that supplies its <c>@name</c> parameters.
/// </summary>
public sealed class SqlBatchStatement
{
    /// <summary>Initializes a new statement of a batch.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose public members, a dictionary, or a <see cref="Dapper.DynamicParameters"/> whose values were added with <c>Add</c>, supplying the <c>@name</c> parameters; or <c>null</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    public SqlBatchStatement(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Sql = sql;
        Param = param;
    }

    /// <summary>Gets the SQL of the statement.</summary>
    public string Sql { get; }

    /// <summary>Gets the object that supplies the statement's parameters, or <c>null</c>.</summary>
    public object? Param { get; }

    /// <summary>Returns the statement's SQL.</summary>
    /// <returns>The SQL text.</returns>
    public override string ToString() => Sql;
}
