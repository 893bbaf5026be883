using System.Globalization;

namespace SqlHelpers.Demo;

/// <summary>Gives scopes the names the demo's code uses for them (c1, c2, ...) and remembers their connection ids.</summary>
internal sealed class ScopeNames
{
    private readonly Dictionary<SqlScope, (string Name, long ConnectionId)> _scopes = new(ReferenceEqualityComparer.Instance);

    /// <summary>Names <paramref name="scope"/> and asks the server for its <c>CONNECTION_ID()</c>.</summary>
    public long Add(SqlScope scope, string name)
    {
        var connectionId = scope.ExecuteScalar<long>("SELECT CONNECTION_ID()");
        _scopes[scope] = (name, connectionId);
        return connectionId;
    }

    public string NameOf(SqlScope? scope) => scope is null ? "(none)" : _scopes.TryGetValue(scope, out var s) ? s.Name : "(unknown)";

    public string ConnectionOf(SqlScope? scope) => scope is not null && _scopes.TryGetValue(scope, out var s) ? s.ConnectionId.ToString(CultureInfo.InvariantCulture) : "-";
}
