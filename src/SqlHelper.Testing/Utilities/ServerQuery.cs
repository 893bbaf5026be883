using MySqlConnector;

namespace SqlHelpers.Testing.Utilities;

/// <summary>One-off statements on a fresh connection.</summary>
internal static class ServerQuery
{
    /// <summary>Connects and returns <c>SELECT VERSION()</c>, which also proves the connection string works.</summary>
    public static async Task<string> VersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand("SELECT VERSION()", connection);
        return (string) (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Runs statements in order on one connection.</summary>
    public static async Task ExecuteAsync(string connectionString, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var statement in statements)
        {
            await using var command = new MySqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
