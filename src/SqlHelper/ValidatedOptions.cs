using MySqlConnector;

namespace SqlHelpers;

/// <summary>The connection strings of options that passed <see cref="SqlHelperOptionsValidator"/>, parsed.</summary>
internal sealed record ValidatedOptions(MySqlConnectionStringBuilder Primary, IReadOnlyList<MySqlConnectionStringBuilder> Replicas, IReadOnlyList<MySqlConnectionStringBuilder> Nodes);
