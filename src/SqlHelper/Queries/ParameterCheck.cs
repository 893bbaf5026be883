using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Dapper;

namespace SqlHelpers.Queries;

/// <summary>
/// Catches, before anything is sent, a parameter object that lacks a member for an <c>@name</c> the SQL uses. With
/// <c>AllowUserVariables</c> on (SqlHelper's default, for session variables), MySqlConnector would otherwise send the name
/// as a session variable and the statement would silently see <c>NULL</c>. Names the SQL or SessionInit assigns
/// (<c>SET @x = ...</c>, <c>@x := ...</c>, <c>INTO @x</c>) are session variables and are not checked.
/// </summary>
internal sealed class ParameterCheck
{
    private const int MaxCachedChecks = 4096;
    private static readonly ConcurrentDictionary<Type, HashSet<string>> Members = new();
    private readonly ConcurrentDictionary<(string Sql, Type ParamType), bool> _passed = new();
    private int _cached;
    private readonly bool _enabled;
    private readonly HashSet<string> _sessionVariables;

    public ParameterCheck(bool enabled, IEnumerable<string> sessionInit)
    {
        _enabled = enabled;
        _sessionVariables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var statement in sessionInit)
            _sessionVariables.UnionWith(SqlNames.Scan(statement).Assigned);
    }

    /// <summary>Gets the readable public members of <paramref name="type"/>, which Dapper binds as parameters.</summary>
    public static HashSet<string> MembersOf(Type type) => Members.GetOrAdd(type, static type => new HashSet<string>(
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanRead && p.GetIndexParameters().Length == 0).Select(static p => p.Name)
            .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance).Select(static f => f.Name)),
        StringComparer.OrdinalIgnoreCase));

    /// <summary>Throws when <paramref name="param"/> is a plain object without a member for a name <paramref name="sql"/> uses.</summary>
    /// <exception cref="ArgumentException">A parameter is missing; the message names it.</exception>
    public void Validate(string sql, object? param)
    {
        if (!_enabled || param is null || param is DynamicParameters or IEnumerable or SqlMapper.IDynamicParameters || sql.IndexOf('@', StringComparison.Ordinal) < 0)
            return;
        var key = (sql, param.GetType());
        if (_passed.ContainsKey(key))
            return;   // the same SQL with the same parameter type passed before: no need to scan it again
        var members = MembersOf(key.Item2);
        var names = SqlNames.Scan(sql);
        foreach (var name in names.Used)
        {
            if (!members.Contains(name) && !names.Assigned.Contains(name) && !_sessionVariables.Contains(name))
            {
                throw new ArgumentException(
                    $"The SQL uses @{name}, but the parameter object ({param.GetType().Name}) has no member named '{name}'. " +
                    "Add it to the parameter object. If it is a session variable set by an earlier statement, set it in SessionInit or turn off SqlHelperOptions.ValidateParameters.",
                    nameof(param));
            }
        }
        // ConcurrentDictionary.Count takes every lock; a counter of our own bounds the cache cheaply.
        if (Volatile.Read(ref _cached) < MaxCachedChecks && _passed.TryAdd(key, true))
            Interlocked.Increment(ref _cached);
    }
}
