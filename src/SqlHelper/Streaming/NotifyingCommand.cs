using System.Data;

namespace SqlHelpers.Streaming;

/// <summary>An <see cref="IDbCommand"/> that forwards to another and calls back once it has been disposed.</summary>
internal sealed class NotifyingCommand(IDbCommand inner, Action disposed) : IDbCommand
{
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public string CommandText { get => inner.CommandText; set => inner.CommandText = value; }

    public int CommandTimeout { get => inner.CommandTimeout; set => inner.CommandTimeout = value; }

    public CommandType CommandType { get => inner.CommandType; set => inner.CommandType = value; }

    public IDbConnection? Connection { get => inner.Connection; set => inner.Connection = value; }

    public IDataParameterCollection Parameters => inner.Parameters;

    public IDbTransaction? Transaction { get => inner.Transaction; set => inner.Transaction = value; }

    public UpdateRowSource UpdatedRowSource { get => inner.UpdatedRowSource; set => inner.UpdatedRowSource = value; }

    public void Cancel() => inner.Cancel();

    public IDbDataParameter CreateParameter() => inner.CreateParameter();

    public int ExecuteNonQuery() => inner.ExecuteNonQuery();

    public IDataReader ExecuteReader() => inner.ExecuteReader();

    public IDataReader ExecuteReader(CommandBehavior behavior) => inner.ExecuteReader(behavior);

    public object? ExecuteScalar() => inner.ExecuteScalar();

    public void Prepare() => inner.Prepare();

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        finally
        {
            disposed();
        }
    }
}
