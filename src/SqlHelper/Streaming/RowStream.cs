using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dapper;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Streaming;

/// <summary>
/// One unbuffered query: the reader is opened through <see cref="SqlScope.RunAsync{TResult}"/> (the same checks, session
/// tracking, transaction and error translation as every statement) and rows are mapped one at a time with Dapper's row
/// parser. One core for both behaviours; <see cref="Enumerate"/> and <see cref="EnumerateAsync"/> only drive it.
/// </summary>
internal sealed class RowStream<T> : OpenResult
{
    private readonly SqlScope _scope;
    private readonly bool _ownsScope;
    private readonly DbDataReader _reader;
    private readonly Func<DbDataReader, object?> _parse;
    private readonly Type _effectiveType = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
    private int _closed;

    private RowStream(SqlScope scope, bool ownsScope, DbDataReader reader)
        : base(scope)
    {
        _scope = scope;
        _ownsScope = ownsScope;
        _reader = reader;
        _parse = reader.GetRowParser<object?>(typeof(T));
    }

    /// <summary>Gets the row the last successful <see cref="MoveNextAsync"/> read.</summary>
    public T Current { get; private set; } = default!;

    public override string BusyMessage => "A stream from FetchStream is still open on this scope; finish or dispose it first.";

    public override bool IsOpen => Volatile.Read(ref _closed) == 0 && !_reader.IsClosed;

    /// <summary>Runs the query on <paramref name="scope"/>; when <paramref name="ownsScope"/>, the stream disposes the scope when it closes (or fails to open).</summary>
    public static async ValueTask<RowStream<T>> OpenAsync(SqlScope scope, bool ownsScope, IOBehavior io, string sql, object? param, CancellationToken cancellationToken)
    {
        try
        {
            var reader = await scope.OpenResultAsync(io, sql, param, cancellationToken, SqlScope.ResultStatements.ExecuteReader).ConfigureAwait(false);
            var stream = new RowStream<T>(scope, ownsScope, reader);
            scope.Owner.SetOpenResult(stream);
            return stream;
        }
        catch when (ownsScope)
        {
            await scope.DisposeAsync(io).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Enumerates a stream synchronously; the stream is opened on the first <c>MoveNext</c> and closed when the enumerator is disposed.</summary>
    public static IEnumerable<T> Enumerate(Func<ValueTask<RowStream<T>>> open)
    {
        var stream = open().RunSynchronously();
        try
        {
            while (stream.MoveNextAsync(IOBehavior.Synchronous, CancellationToken.None).RunSynchronously())
                yield return stream.Current;
        }
        finally
        {
            stream.CloseAsync(IOBehavior.Synchronous).RunSynchronously();
        }
    }

    /// <summary>Enumerates a stream asynchronously, honouring both the call's token and the one given to <c>WithCancellation</c>.</summary>
    public static async IAsyncEnumerable<T> EnumerateAsync(Func<CancellationToken, ValueTask<RowStream<T>>> open, CancellationToken callToken,
        [EnumeratorCancellation] CancellationToken enumeratorToken = default)
    {
        using var linked = callToken.CanBeCanceled && enumeratorToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(callToken, enumeratorToken) : null;
        var cancellationToken = linked?.Token ?? (enumeratorToken.CanBeCanceled ? enumeratorToken : callToken);
        var stream = await open(cancellationToken).ConfigureAwait(false);
        try
        {
            while (await stream.MoveNextAsync(IOBehavior.Asynchronous, cancellationToken).ConfigureAwait(false))
                yield return stream.Current;
        }
        finally
        {
            await stream.CloseAsync(IOBehavior.Asynchronous).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the next row; a lost connection becomes <see cref="SqlConnectionLostException"/> as for any statement.</summary>
    public async ValueTask<bool> MoveNextAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        // MySqlConnector's ReadAsync does not look at the token while rows are already buffered: check it per row.
        cancellationToken.ThrowIfCancellationRequested();
        bool read;
        var connection = _scope.Owner.Lease.Connection!;
        try
        {
            read = io == IOBehavior.Synchronous ? _reader.Read() : await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_scope.StatementFailure(ex, connection, guard: null) is { } failure)
        {
            throw failure;
        }
        if (read)
            Current = Convert(_parse(_reader));
        return read;
    }

    public override async ValueTask CloseAsync(IOBehavior io)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            if (io == IOBehavior.Synchronous)
                _reader.Dispose();
            else
                await _reader.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or IOException or InvalidOperationException)
        {
            // The connection broke while the rest of the rows were drained; the scope's disposal discards it.
        }
        finally
        {
            _scope.Owner.ClearOpenResult(this);
            if (_ownsScope)
                await _scope.DisposeAsync(io).ConfigureAwait(false);
        }
    }

    /// <summary>Converts a parsed value to <typeparamref name="T"/> as Dapper's <c>Query&lt;T&gt;</c> does (a BIGINT read as <c>int</c>, say).</summary>
    private T Convert(object? value) => value switch
    {
        T typed => typed!,
        null or DBNull when default(T) is null => default!,
        _ => (T) System.Convert.ChangeType(value, _effectiveType, CultureInfo.InvariantCulture)!,
    };
}
