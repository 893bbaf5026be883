using Microsoft.Extensions.Options;

namespace SqlHelpers.DependencyInjection;

/// <summary>
/// Validates <see cref="SqlHelperOptions"/> with the helper's own rules, by building a throwaway helper (its constructor
/// validates and does no I/O), so a bad value fails at start-up with the option's name rather than on first use.
/// </summary>
internal sealed class SqlHelperOptionsValidation(string? configurationPath) : IValidateOptions<SqlHelperOptions>
{
    public ValidateOptionsResult Validate(string? name, SqlHelperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Replica connection strings are checked one by one below: a helper built with replicas starts checking them at
        // once, and the throwaway must not touch the network. The logger factory is left out so it logs nothing.
        var replicas = options.ReplicaConnectionStrings;
        var loggerFactory = options.LoggerFactory;
        try
        {
            options.ReplicaConnectionStrings = [];
            options.LoggerFactory = null;
            new SqlHelper(options).Dispose();
        }
        catch (ArgumentException ex)
        {
            return Fail(ex.ParamName, WithoutParamName(ex));
        }
        finally
        {
            options.ReplicaConnectionStrings = replicas;
            options.LoggerFactory = loggerFactory;
        }

        for (var i = 0; i < (replicas?.Count ?? 0); i++)
        {
            try
            {
                new SqlHelper(new SqlHelperOptions { ConnectionString = replicas![i] }).Dispose();
            }
            catch (ArgumentException ex)
            {
                return Fail(nameof(SqlHelperOptions.ReplicaConnectionStrings), $"ReplicaConnectionStrings[{i}]: {WithoutParamName(ex)}");
            }
        }

        return ValidateOptionsResult.Success;
    }

    private ValidateOptionsResult Fail(string? optionName, string message)
    {
        var key = configurationPath switch
        {
            null => $"SqlHelperOptions.{optionName}",
            "" => optionName,
            _ => $"{configurationPath}:{optionName}",
        };
        return ValidateOptionsResult.Fail($"{key}: {message}");
    }

    // ArgumentException.Message ends with " (Parameter 'Name')"; the key in front already names the option.
    private static string WithoutParamName(ArgumentException ex) =>
        ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
}
