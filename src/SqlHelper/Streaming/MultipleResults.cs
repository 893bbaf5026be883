using Dapper;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Streaming;

/// <summary>
/// Dapper's <see cref="SqlMapper.GridReader"/> over a batch opened through <see cref="SqlScope.RunAsync{TResult}"/>. Dapper
/// disposes the grid's command when the grid is disposed or its last result set has been read; SqlHelper puts a
/// <see cref="NotifyingCommand"/> in its place, so either way the scope learns that the connection is free (and a
/// temporary scope of the helper is released).
/// </summary>
internal sealed class MultipleResults : OpenResult
{
    private readonly SqlScope _scope;
    private readonly bool _ownsScope;
    private readonly SqlMapper.GridReader _grid;
    private int _closed;

    private MultipleResults(SqlScope scope, bool ownsScope, SqlMapper.GridReader grid)
        : base(scope)
    {
        _scope = scope;
        _ownsScope = ownsScope;
        _grid = grid;
        grid.Command = new NotifyingCommand(grid.Command, Closed);
    }

    public override string BusyMessage => "The result sets of FetchMultiple are still open on this scope; read them all or dispose the GridReader first.";

    public override bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>Runs the batch on <paramref name="scope"/>; when <paramref name="ownsScope"/>, the scope is disposed with the grid (or when the batch fails).</summary>
    public static async ValueTask<SqlMapper.GridReader> OpenAsync(SqlScope scope, bool ownsScope, IOBehavior io, string sql, object? param, CancellationToken cancellationToken)
    {
        try
        {
            var grid = await scope.OpenResultAsync(io, sql, param, cancellationToken, SqlScope.ResultStatements.QueryMultiple).ConfigureAwait(false);
            scope.Owner.SetOpenResult(new MultipleResults(scope, ownsScope, grid));
            return grid;
        }
        catch when (ownsScope)
        {
            await scope.DisposeAsync(io).ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask CloseAsync(IOBehavior io)
    {
        if (!IsOpen)
            return;
        try
        {
            if (io == IOBehavior.Synchronous)
                _grid.Dispose();
            else
                await _grid.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or IOException or InvalidOperationException)
        {
            // The connection broke; the scope's disposal discards it.
        }
        Closed();
    }

    /// <summary>The grid let go of the connection (disposed, or its last result set read).</summary>
    private void Closed()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _scope.Owner.ClearOpenResult(this);
        if (_ownsScope)
            _scope.Dispose();
    }
}
