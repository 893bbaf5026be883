using System.Diagnostics;
using System.Text;

namespace SqlHelpers.Tests.Packaging;

/// <summary>Runs the <c>dotnet</c> CLI (or a built app) as a child process and captures what it prints.</summary>
internal static class DotnetCli
{
    // Set by the test host for its own MSBuild; a child build must find its own SDK instead.
    private static readonly string[] InheritedBuildVariables =
        ["MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILDNOINPROCNODE"];

    /// <summary>Gets the path of the dotnet host running the tests, or <c>dotnet</c> from PATH.</summary>
    public static string HostPath =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> and returns its exit code and output.</summary>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(HostPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in InheritedBuildVariables)
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append(output, $"[killed after {timeout.TotalSeconds:0} s]");
            return new Result(-1, Text(output), stopwatch.Elapsed, string.Join(' ', arguments));
        }
        return new Result(process.ExitCode, Text(output), stopwatch.Elapsed, string.Join(' ', arguments));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
            return output.ToString();
    }

    /// <summary>What a child process did.</summary>
    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, string Command)
    {
        /// <summary>Fails the test, showing the command and its output, unless the process exited with 0.</summary>
        public Result EnsureSuccess(string what)
        {
            Assert.True(ExitCode == 0, $"{what} failed (exit code {ExitCode}): dotnet {Command}\n{Output}");
            return this;
        }
    }
}
