namespace SqlHelpers.Tests.Packaging;

/// <summary>The example in the repository's README.md: the fenced <c>csharp</c> block whose first line is <c>// README example</c>.</summary>
internal static class ReadmeExample
{
    public const string Marker = "// README example";

    /// <summary>Returns the example's code from <paramref name="readmePath"/>, or fails the test when there is none.</summary>
    public static string Extract(string readmePath)
    {
        Assert.True(File.Exists(readmePath), $"{readmePath} does not exist; the packaging test runs the README's example.");
        var lines = File.ReadAllLines(readmePath);
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].Trim() is not ("```csharp" or "```cs" or "```c#") || lines[i + 1].Trim() != Marker)
                continue;
            var end = Array.FindIndex(lines, i + 1, static line => line.TrimStart().StartsWith("```", StringComparison.Ordinal));
            Assert.True(end > 0, $"The README example in {readmePath} (line {i + 1}) has no closing ```.");
            return string.Join('\n', lines[(i + 1)..end]) + "\n";
        }
        Assert.Fail($"{readmePath} has no ```csharp block whose first line is '{Marker}'. Keep that marker on the example users copy: this test compiles and runs it.");
        return "";
    }
}
