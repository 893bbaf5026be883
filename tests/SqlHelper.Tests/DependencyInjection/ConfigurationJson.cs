using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace SqlHelpers.Tests.DependencyInjection;

/// <summary>Builds configuration from JSON text, as an appsettings.json file would give it.</summary>
internal static class ConfigurationJson
{
    public static IConfigurationRoot Parse(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>Returns <paramref name="value"/> as a JSON string literal, quotes included.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value);
}
