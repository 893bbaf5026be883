using System.Collections;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Dapper;

namespace SqlHelpers.Batches;

/// <summary>
/// Reads the values of a Dapper-style parameter object by name, for statements SqlHelper binds itself (a
/// <see cref="MySqlConnector.MySqlBatch"/>, a rewritten multi-row INSERT): a plain object's public properties and fields,
/// a dictionary, or a <see cref="DynamicParameters"/> whose values were added with <c>Add</c>. Values are converted as
/// Dapper converts them (an enum becomes its number, a <see cref="DbString"/> its text).
/// </summary>
internal static class ParameterValues
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, Func<object, object?>>> Getters = new();

    /// <summary>Returns whether <paramref name="param"/> is a sequence of parameter objects, by Dapper's rule (one statement per element).</summary>
    public static bool IsSequence(object? param) =>
        param is IEnumerable and not string and not IEnumerable<KeyValuePair<string, object?>> and not IDictionary and not SqlMapper.IDynamicParameters and not byte[];

    /// <summary>
    /// Returns whether <paramref name="param"/> needs Dapper's own binding for the <paramref name="names"/> its SQL uses,
    /// which SqlHelper's does not do: a list value (Dapper expands <c>IN @list</c>), a <see cref="DynamicParameters"/>
    /// that lacks one of the names (Dapper also reads the template objects given to it), or another
    /// <see cref="SqlMapper.IDynamicParameters"/>.
    /// </summary>
    public static bool NeedsDapper(object? param, string[] names)
    {
        switch (param)
        {
            case null:
                return false;
            case DynamicParameters dynamic:
                foreach (var name in names)
                {
                    var added = dynamic.ParameterNames.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
                    if (added is null || IsList(dynamic.Get<object?>(added)))
                        return true;
                }
                return false;
            case SqlMapper.IDynamicParameters:
                return true;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return pairs.Any(static pair => IsList(pair.Value));
            default:
                var getters = GettersOf(param.GetType());
                foreach (var name in names)
                {
                    if (getters.TryGetValue(name, out var getter) && IsList(getter(param)))
                        return true;
                }
                return false;
        }

        static bool IsList(object? value) => value is IEnumerable and not string and not byte[] && !SqlMapper.HasTypeHandler(value.GetType());
    }

    /// <summary>Returns whether <paramref name="param"/> supplies <paramref name="name"/>, and its value (converted as Dapper converts it).</summary>
    /// <exception cref="ArgumentException">The value is a list (Dapper's <c>IN @list</c> expansion is not done here), or a <see cref="DynamicParameters"/> lacks the name.</exception>
    public static bool TryGet(object? param, string name, out object? value)
    {
        value = null;
        switch (param)
        {
            case null:
                return false;
            case DynamicParameters dynamic:
                if (!dynamic.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new ArgumentException(
                        $"The SQL uses @{name}, but the DynamicParameters has no value added for it. In a batch, DynamicParameters are read through their names: add every value with Add, or pass a plain object instead of a template.",
                        nameof(param));
                }
                value = Convert(dynamic.Get<object?>(dynamic.ParameterNames.First(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))), name);
                return true;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var pair in pairs)
                {
                    if (pair.Key.TrimStart('@').Equals(name, StringComparison.OrdinalIgnoreCase))
                    {
                        value = Convert(pair.Value, name);
                        return true;
                    }
                }
                return false;
            default:
                if (!GettersOf(param.GetType()).TryGetValue(name, out var getter))
                    return false;
                value = Convert(getter(param), name);
                return true;
        }
    }

    /// <summary>Returns whether <see cref="TryGet"/> reads objects of <paramref name="type"/> through their public members (not a dictionary or <see cref="DynamicParameters"/>).</summary>
    public static bool ReadsMembers(Type type) =>
        !typeof(DynamicParameters).IsAssignableFrom(type) && !typeof(IEnumerable<KeyValuePair<string, object?>>).IsAssignableFrom(type);

    /// <summary>
    /// Returns the getter of member <paramref name="name"/> of a type <see cref="ReadsMembers"/> accepts (its value still to
    /// be passed through <see cref="Convert"/>), or <c>null</c> when the type has no such member.
    /// </summary>
    public static Func<object, object?>? MemberGetter(Type type, string name) => GettersOf(type).GetValueOrDefault(name);

    /// <summary>
    /// Returns a conservative estimate of the bytes <paramref name="value"/> takes in the SQL text MySqlConnector sends:
    /// escaping may double a string or binary value.
    /// </summary>
    public static long EstimateSize(object? value) => value switch
    {
        MySqlConnector.MySqlParameter parameter => EstimateSize(parameter.Value),
        null or DBNull => 4,
        string text => 2L * Encoding.UTF8.GetByteCount(text) + 16,
        byte[] bytes => 2L * bytes.Length + 16,
        ReadOnlyMemory<byte> memory => 2L * memory.Length + 16,
        Memory<byte> memory => 2L * memory.Length + 16,
        char[] chars => 6L * chars.Length + 16,
        _ => 64,
    };

    /// <summary>Converts a member's value as Dapper converts it (an enum to its number, a <see cref="DbString"/> to its text, <c>null</c> to <see cref="DBNull"/>).</summary>
    /// <remarks>
    /// A value whose type has a Dapper type handler (<see cref="SqlMapper.AddTypeHandler{T}"/>) comes back as the
    /// <see cref="MySqlConnector.MySqlParameter"/> the handler filled (value and type), unnamed: the caller names and adds it.
    /// </remarks>
    /// <exception cref="ArgumentException">The value is a list.</exception>
    public static object? Convert(object? value, string name) => value switch
    {
        null => DBNull.Value,
        _ when SqlMapper.HasTypeHandler(value.GetType()) => Handled(value, name),
        Enum e => System.Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), System.Globalization.CultureInfo.InvariantCulture),
        DbString text => (object?) text.Value ?? DBNull.Value,
        string or byte[] => value,
        IEnumerable => throw new ArgumentException(
            $"The parameter @{name} is a list. Batches bind each value as it is and do not expand lists (Dapper's IN @{name}); run that statement with Execute instead.", nameof(value)),
        _ => value,
    };

    /// <summary>
    /// Returns the parameter that sends a value <see cref="Convert"/> returned: the one a Dapper type handler filled, or a
    /// new one; named <paramref name="name"/>, or unnamed (positional <c>?</c>) when it is <c>null</c>.
    /// </summary>
    public static MySqlConnector.MySqlParameter ToParameter(object? value, string? name)
    {
        var parameter = value as MySqlConnector.MySqlParameter ?? new MySqlConnector.MySqlParameter { Value = value };
        if (name is not null)
            parameter.ParameterName = name;
        return parameter;
    }

    private static MySqlConnector.MySqlParameter Handled(object value, string name)
    {
#pragma warning disable CS0618 // Dapper marks its handler lookup "for internal use"; it is the only way to reach a registered handler
        SqlMapper.LookupDbType(value.GetType(), name, demand: false, out var handler);
#pragma warning restore CS0618
        var parameter = new MySqlConnector.MySqlParameter();
        handler!.SetValue(parameter, value);
        return parameter;
    }

    private static Dictionary<string, Func<object, object?>> GettersOf(Type type) => Getters.GetOrAdd(type, static type =>
    {
        var getters = new Dictionary<string, Func<object, object?>>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanRead && p.GetIndexParameters().Length == 0))
            getters.TryAdd(property.Name, Compile(type, target => Expression.Property(target, property)));
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            getters.TryAdd(field.Name, Compile(type, target => Expression.Field(target, field)));
        return getters;
    });

    /// <summary>Compiles a getter of one member of <paramref name="type"/>, boxed.</summary>
    public static Func<object, object?> Compile(Type type, Func<Expression, Expression> member)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var body = Expression.Convert(member(Expression.Convert(instance, type)), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, instance).Compile();
    }
}
