namespace SqlHelpers.Batches;

/// <summary>
/// Reads, row after row, the values an <see cref="InsertShape"/>'s parameters take: a plain object through member getters
/// resolved once per row type (rows of one list are almost always of one type), anything else by name.
/// </summary>
internal sealed class RowValues
{
    private readonly InsertShape _shape;
    private Type? _type;
    private Func<object, object?>?[]? _getters;

    public RowValues(InsertShape shape)
    {
        _shape = shape;
        Values = new object?[shape.Parameters.Count];
        Supplied = new bool[shape.Parameters.Count];
    }

    /// <summary>Gets the last row's values, one per parameter occurrence (meaningful where <see cref="Supplied"/> is set).</summary>
    public object?[] Values { get; }

    /// <summary>Gets, per parameter occurrence, whether the last row supplies it (an <c>@name</c> it lacks stays in the text, as a session variable).</summary>
    public bool[] Supplied { get; }

    /// <summary>Reads <paramref name="row"/> into <see cref="Values"/> and <see cref="Supplied"/>.</summary>
    /// <exception cref="ArgumentException">A value is a list, or a <see cref="Dapper.DynamicParameters"/> lacks a name.</exception>
    public void Read(object? row)
    {
        var parameters = _shape.Parameters;
        if (row is null || !ParameterValues.ReadsMembers(row.GetType()))
        {
            for (var k = 0; k < parameters.Count; k++)
                Supplied[k] = ParameterValues.TryGet(row, parameters[k].Name, out Values[k]);
            return;
        }
        var getters = GettersFor(row.GetType());
        for (var k = 0; k < parameters.Count; k++)
        {
            var getter = getters[k];
            Supplied[k] = getter is not null;
            Values[k] = getter is null ? null : ParameterValues.Convert(getter(row), parameters[k].Name);
        }
    }

    private Func<object, object?>?[] GettersFor(Type type)
    {
        if (type == _type)
            return _getters!;
        var getters = new Func<object, object?>?[_shape.Parameters.Count];
        for (var k = 0; k < getters.Length; k++)
            getters[k] = ParameterValues.MemberGetter(type, _shape.Parameters[k].Name);
        _type = type;
        _getters = getters;
        return getters;
    }
}
