using System.Collections;
using System.Data.Common;

namespace SqlHelpers.Batches;

/// <summary>
/// A forward-only <see cref="DbDataReader"/> over objects, one row per object and one field per chosen member, for
/// <see cref="MySqlConnector.MySqlBulkCopy"/>: it reads rows with <see cref="Read"/>, or with <see cref="ReadAsync"/> when
/// the source is an <see cref="IAsyncEnumerable{T}"/>. Only what the bulk copy reads is meaningful; the typed getters
/// cast <see cref="GetValue"/>.
/// </summary>
internal sealed class ObjectDataReader<T> : DbDataReader
{
    private readonly IEnumerator<T>? _rows;
    private readonly IAsyncEnumerator<T>? _asyncRows;
    private readonly string[] _names;
    private readonly Func<object, object?>[] _getters;
    private readonly Type[] _types;
    private T? _current;
    private bool _closed;

    public ObjectDataReader(IEnumerable<T> rows, IReadOnlyList<BulkColumn> columns)
        : this(columns) => _rows = rows.GetEnumerator();

    public ObjectDataReader(IAsyncEnumerable<T> rows, IReadOnlyList<BulkColumn> columns, CancellationToken cancellationToken)
        : this(columns) => _asyncRows = rows.GetAsyncEnumerator(cancellationToken);

    private ObjectDataReader(IReadOnlyList<BulkColumn> columns)
    {
        _names = [.. columns.Select(static c => c.Name)];
        _getters = [.. columns.Select(static c => c.Getter)];
        _types = [.. columns.Select(static c => c.Type)];
    }

    public override int FieldCount => _names.Length;

    public override int Depth => 0;

    public override bool HasRows => true;

    public override bool IsClosed => _closed;

    public override int RecordsAffected => -1;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read()
    {
        if (_rows is null)
            throw new InvalidOperationException("This reader reads an IAsyncEnumerable; call ReadAsync.");
        if (!_rows.MoveNext())
            return false;
        _current = _rows.Current;
        return true;
    }

    public override async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_asyncRows is null)
            return Read();
        cancellationToken.ThrowIfCancellationRequested();
        if (!await _asyncRows.MoveNextAsync().ConfigureAwait(false))
            return false;
        _current = _asyncRows.Current;
        return true;
    }

    public override object GetValue(int ordinal)
    {
        var value = _current is null ? null : _getters[ordinal](_current);
        return value switch
        {
            null => DBNull.Value,
            Enum e => Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), System.Globalization.CultureInfo.InvariantCulture),
            _ => value,
        };
    }

    public override int GetValues(object[] values)
    {
        var count = Math.Min(values.Length, _names.Length);
        for (var i = 0; i < count; i++)
            values[i] = GetValue(i);
        return count;
    }

    public override bool IsDBNull(int ordinal) => GetValue(ordinal) is DBNull;

    public override string GetName(int ordinal) => _names[ordinal];

    public override int GetOrdinal(string name) => Array.FindIndex(_names, n => n.Equals(name, StringComparison.OrdinalIgnoreCase));

    public override Type GetFieldType(int ordinal) => _types[ordinal];

    public override string GetDataTypeName(int ordinal) => _types[ordinal].Name;

    public override bool NextResult() => false;

    public override IEnumerator GetEnumerator() => throw new NotSupportedException("Read the rows with Read or ReadAsync.");

    public override bool GetBoolean(int ordinal) => (bool) GetValue(ordinal);

    public override byte GetByte(int ordinal) => (byte) GetValue(ordinal);

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override char GetChar(int ordinal) => (char) GetValue(ordinal);

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override DateTime GetDateTime(int ordinal) => (DateTime) GetValue(ordinal);

    public override decimal GetDecimal(int ordinal) => (decimal) GetValue(ordinal);

    public override double GetDouble(int ordinal) => (double) GetValue(ordinal);

    public override float GetFloat(int ordinal) => (float) GetValue(ordinal);

    public override Guid GetGuid(int ordinal) => (Guid) GetValue(ordinal);

    public override short GetInt16(int ordinal) => (short) GetValue(ordinal);

    public override int GetInt32(int ordinal) => (int) GetValue(ordinal);

    public override long GetInt64(int ordinal) => (long) GetValue(ordinal);

    public override string GetString(int ordinal) => (string) GetValue(ordinal);

    public override void Close()
    {
        _closed = true;
        _rows?.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        _closed = true;
        _rows?.Dispose();
        if (_asyncRows is not null)
            await _asyncRows.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Close();
        base.Dispose(disposing);
    }
}
