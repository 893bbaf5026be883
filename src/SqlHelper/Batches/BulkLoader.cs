using System.Data;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// Bulk inserts through <see cref="MySqlBulkCopy"/> (<c>LOAD DATA LOCAL INFILE</c> from a stream of rows, never a file):
/// checks that local infile is allowed on both sides, maps the source's names to the table's columns, and reports
/// progress and the server's warnings.
/// </summary>
internal static partial class BulkLoader
{
    /// <summary>How many rows pass between two progress reports.</summary>
    public const int ProgressInterval = 1000;

    /// <summary>Returns the table name quoted for SQL, or throws when it is not a plain or backtick-quoted (optionally qualified) name.</summary>
    /// <exception cref="ArgumentException">The name is not a table name.</exception>
    public static string QuoteTable(string table)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        if (PlainName().IsMatch(table))
            return string.Join('.', table.Split('.').Select(static part => "`" + part + "`"));
        if (QuotedName().IsMatch(table))
            return table;
        throw new ArgumentException(
            $"'{table}' is not a table name BulkInsert accepts. Give a name such as orders or shop.orders (letters, digits, _ and $), or quote it with backticks, e.g. `order lines`.",
            nameof(table));
    }

    /// <summary>The checks made before any row is read: local infile on both sides.</summary>
    /// <exception cref="SqlLocalInfileDisabledException">Either side does not allow it.</exception>
    public static async ValueTask CheckLocalInfileAsync(MySqlConnection connection, MySqlTransaction? transaction, IOBehavior io, CancellationToken cancellationToken)
    {
        if (!new MySqlConnectionStringBuilder(connection.ConnectionString).AllowLoadLocalInfile)
            throw new SqlLocalInfileDisabledException(disabledOnServer: false);
        using var command = new MySqlCommand("SELECT @@local_infile", connection, transaction);
        var value = io == IOBehavior.Synchronous ? command.ExecuteScalar() : await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (Convert.ToInt64(value, CultureInfo.InvariantCulture) == 0)
            throw new SqlLocalInfileDisabledException(disabledOnServer: true);
    }

    public static async ValueTask<SqlBulkInsertResult> RunAsync(MySqlConnection connection, MySqlTransaction? transaction, string quotedTable, BulkSource source,
        Action<int>? progress, IOBehavior io, CancellationToken cancellationToken)
    {
        await CheckLocalInfileAsync(connection, transaction, io, cancellationToken).ConfigureAwait(false);
        var columns = await ColumnsOfAsync(connection, transaction, quotedTable, io, cancellationToken).ConfigureAwait(false);
        var bulkCopy = new MySqlBulkCopy(connection, transaction) { DestinationTableName = quotedTable };
        if (progress is not null)
        {
            bulkCopy.NotifyAfter = ProgressInterval;
            bulkCopy.MySqlRowsCopied += (_, e) => progress(checked((int) e.RowsCopied));
        }
        var result = await source.WriteAsync(bulkCopy, columns, quotedTable, io, cancellationToken).ConfigureAwait(false);
        return new SqlBulkInsertResult(result.RowsInserted, result.Warnings);
    }

    /// <summary>Maps source field <c>i</c> (named <paramref name="names"/>[i]) to the table column of the same name, ignoring case.</summary>
    /// <exception cref="ArgumentException">A name matches no column; the message names it and lists the columns.</exception>
    public static void Map(MySqlBulkCopy bulkCopy, IReadOnlyList<string> names, IReadOnlyList<string> columns, string quotedTable, Func<string, string> describe)
    {
        for (var i = 0; i < names.Count; i++)
        {
            var column = columns.FirstOrDefault(c => c.Equals(names[i], StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(
                    $"{describe(names[i])} matches no column of {quotedTable} ({string.Join(", ", columns)}). Rename it to the column it belongs in, or leave it out of the rows.",
                    "rows");
            bulkCopy.ColumnMappings.Add(new MySqlBulkCopyColumnMapping(i, column));
        }
    }

    private static async ValueTask<string[]> ColumnsOfAsync(MySqlConnection connection, MySqlTransaction? transaction, string quotedTable, IOBehavior io, CancellationToken cancellationToken)
    {
        using var command = new MySqlCommand($"SELECT * FROM {quotedTable} LIMIT 0", connection, transaction);
        var reader = io == IOBehavior.Synchronous ? command.ExecuteReader(CommandBehavior.SchemaOnly) : await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
            return [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
    }

    /// <summary>Returns the public readable properties and fields of <paramref name="type"/>, as reader fields.</summary>
    public static List<BulkColumn> MembersOf(Type type)
    {
        var members = new List<BulkColumn>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanRead && p.GetIndexParameters().Length == 0))
            members.Add(new BulkColumn(property.Name, ParameterValues.Compile(type, target => Expression.Property(target, property)), FieldType(property.PropertyType)));
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            members.Add(new BulkColumn(field.Name, ParameterValues.Compile(type, target => Expression.Field(target, field)), FieldType(field.FieldType)));
        if (members.Count == 0)
            throw new ArgumentException($"The row type {type.Name} has no public properties or fields to insert. Give it one per column.", "rows");
        return members;
    }

    private static Type FieldType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum ? Enum.GetUnderlyingType(type) : type;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_$]+(\.[A-Za-z0-9_$]+)?$")]
    private static partial Regex PlainName();

    [GeneratedRegex(@"^`[^`]+`(\.`[^`]+`)?$")]
    private static partial Regex QuotedName();
}
