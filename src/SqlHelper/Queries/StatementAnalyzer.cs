using System.Collections;
using System.Collections.Concurrent;
using Dapper;

namespace SqlHelpers.Queries;

/// <summary>
/// Remembers, per SQL text and parameter type, what a statement may do (see <see cref="SessionStateClassifier"/>), so
/// the common case costs one dictionary lookup. The cache stops growing at a fixed size: SQL built by string
/// concatenation would otherwise fill it.
/// </summary>
internal sealed class StatementAnalyzer
{
    private const int MaxCachedStatements = 4096;
    private static readonly IReadOnlySet<string> NoNames = new HashSet<string>();
    private readonly ConcurrentDictionary<(string Sql, Type? ParamType), StatementEffects> _effects = new();
    private int _cached;

    /// <summary>Returns whether <paramref name="sql"/>, run with <paramref name="param"/>, certainly leaves the session unchanged.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="param">The Dapper parameter object, or <c>null</c>.</param>
    public bool IsStateFree(string sql, object? param) => (Analyze(sql, param) & StatementEffects.ChangesSession) == 0;

    /// <summary>
    /// Returns what <paramref name="sql"/>, run with <paramref name="param"/>, may do: change session state (the session
    /// needs a reset before reuse) and write data (read-your-writes routing must treat the scope as having written, and a
    /// failed first attempt must not be retried). Both are conservative: anything not understood may do both.
    /// </summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="param">The Dapper parameter object, or <c>null</c>.</param>
    public StatementEffects Analyze(string sql, object? param)
    {
        if (param is DynamicParameters dynamic)
            return SessionStateClassifier.Analyze(sql, new HashSet<string>(dynamic.ParameterNames, StringComparer.OrdinalIgnoreCase));
        var key = (sql, param?.GetType());
        if (_effects.TryGetValue(key, out var effects))
            return effects;
        effects = SessionStateClassifier.Analyze(sql, NamesOf(param));
        // ConcurrentDictionary.Count takes every lock; a counter of our own bounds the cache cheaply.
        if (Volatile.Read(ref _cached) < MaxCachedStatements && _effects.TryAdd(key, effects))
            Interlocked.Increment(ref _cached);
        return effects;
    }

    private static IReadOnlySet<string> NamesOf(object? param) => param switch
    {
        null => NoNames,
        IEnumerable<KeyValuePair<string, object?>> dictionary => new HashSet<string>(dictionary.Select(static p => p.Key.TrimStart('@')), StringComparer.OrdinalIgnoreCase),
        IEnumerable sequence when param is not string => sequence.Cast<object?>().FirstOrDefault() is { } first ? ParameterCheck.MembersOf(first.GetType()) : NoNames,
        _ => ParameterCheck.MembersOf(param.GetType()),
    };
}
