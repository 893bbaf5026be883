using System.Collections;
using System.Collections.Concurrent;
using Dapper;

namespace SqlHelpers.Queries;

/// <summary>
/// Remembers, per SQL text and parameter type, whether a statement is state-free (see <see cref="SessionStateClassifier"/>),
/// so the common case costs one dictionary lookup. The cache stops growing at a fixed size: SQL built by string
/// concatenation would otherwise fill it.
/// </summary>
internal sealed class StatementAnalyzer
{
    private const int MaxCachedStatements = 4096;
    private static readonly IReadOnlySet<string> s_noNames = new HashSet<string>();
    private readonly ConcurrentDictionary<(string Sql, Type? ParamType), bool> _stateFree = new();
    private int _cached;

    public bool IsStateFree(string sql, object? param)
    {
        if (param is DynamicParameters dynamic)
            return SessionStateClassifier.IsStateFree(sql, new HashSet<string>(dynamic.ParameterNames, StringComparer.OrdinalIgnoreCase));
        var key = (sql, param?.GetType());
        if (_stateFree.TryGetValue(key, out var stateFree))
            return stateFree;
        stateFree = SessionStateClassifier.IsStateFree(sql, NamesOf(param));
        // ConcurrentDictionary.Count takes every lock; a counter of our own bounds the cache cheaply.
        if (Volatile.Read(ref _cached) < MaxCachedStatements && _stateFree.TryAdd(key, stateFree))
            Interlocked.Increment(ref _cached);
        return stateFree;
    }

    private static IReadOnlySet<string> NamesOf(object? param) => param switch
    {
        null => s_noNames,
        IEnumerable<KeyValuePair<string, object?>> dictionary => new HashSet<string>(dictionary.Select(static p => p.Key.TrimStart('@')), StringComparer.OrdinalIgnoreCase),
        IEnumerable sequence when param is not string => sequence.Cast<object?>().FirstOrDefault() is { } first ? ParameterCheck.MembersOf(first.GetType()) : s_noNames,
        _ => ParameterCheck.MembersOf(param.GetType()),
    };
}
