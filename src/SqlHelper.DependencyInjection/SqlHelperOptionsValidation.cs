using Microsoft.Extensions.Options;

namespace SqlHelpers.DependencyInjection;

/// <summary>
/// Validates <see cref="SqlHelperOptions"/> with the helper's own rules (<see cref="SqlHelperOptionsValidator"/>), so a bad
/// value fails at start-up with the option's configuration key rather than on first use. Nothing is built, opened or
/// changed; messages are redacted by the core's own code.
/// </summary>
internal sealed class SqlHelperOptionsValidation(string? configurationPath) : IValidateOptions<SqlHelperOptions>
{
    public ValidateOptionsResult Validate(string? name, SqlHelperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            SqlHelperOptionsValidator.Validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return Fail(ex.ParamName, WithoutParamName(ex));
        }
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
