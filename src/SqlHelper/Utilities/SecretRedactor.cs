using System.Text.RegularExpressions;
using MySqlConnector;

namespace SqlHelpers.Utilities;

/// <summary>
/// Keeps passwords out of messages: SqlHelper never shows a connection string, and scrubs any text that came from
/// elsewhere (a driver message) of the password it might quote.
/// </summary>
internal static partial class SecretRedactor
{
    private const string Mask = "***";

    /// <summary>Returns <paramref name="text"/> with every occurrence of the connection string's password masked.</summary>
    public static string Redact(string text, string? connectionString)
    {
        var password = TryGetPassword(connectionString);
        return string.IsNullOrEmpty(password) ? text : text.Replace(password, Mask, StringComparison.Ordinal);
    }

    /// <summary>Describes a connection string for messages: server, port, database and user, never the password.</summary>
    public static string Describe(MySqlConnectionStringBuilder builder) =>
        $"Server={builder.Server};Port={builder.Port};Database={builder.Database};User ID={builder.UserID}";

    private static string? TryGetPassword(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
            return null;
        try
        {
            return new MySqlConnectionStringBuilder(connectionString).Password;
        }
        catch (ArgumentException)
        {
            // The string did not parse: fall back to finding "password=..." by hand.
            var match = PasswordPattern().Match(connectionString);
            return match.Success ? match.Groups["value"].Value.Trim('\'', '"') : null;
        }
    }

    [GeneratedRegex(@"(?:^|;)\s*(?:password|pwd)\s*=\s*(?<value>'[^']*'|""[^""]*""|[^;]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordPattern();
}
