namespace SqlHelpers.Batches;

/// <summary>One field of an <see cref="ObjectDataReader{T}"/>: the table column's name, the member's getter and type.</summary>
internal sealed record BulkColumn(string Name, Func<object, object?> Getter, Type Type);
