using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Packaging;

/// <summary>
/// Packs the three packages into a local folder feed, then does what a user does: a fresh console project outside the
/// repository, <c>dotnet add package SqlHelper</c> from that feed, the README's example pasted as Program.cs, build, run
/// against the test server. The README can never again show code that does not compile or run.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Packaging")]
public sealed partial class PackageSmokeTests(DatabaseFixture fixture) : IDisposable
{
    private static readonly string[] Packages = ["SqlHelper", "SqlHelper.Testing", "SqlHelper.DependencyInjection"];
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    // Outside the repository, so the console project inherits none of its Directory.Build.props or central versions.
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("sqlhelper-packaging-");

    public void Dispose()
    {
        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the temp folder is cleaned up by the OS later.
        }
    }

    [Fact]
    public async Task ReadmeExample_AgainstPackagesFromALocalFeed_BuildsAndRuns()
    {
        var repository = FindRepositoryRoot();
        var feed = _work.CreateSubdirectory("feed").FullName;

        // Given the three packages packed into a local feed, each with its README, licence, docs and symbols
        foreach (var package in Packages)
        {
            var project = Path.Combine(repository, "src", package, package + ".csproj");
            (await DotnetCli.RunAsync(repository, ["pack", project, "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(_work.FullName, "artifacts"), "-warnaserror"], BuildTimeout))
                .EnsureSuccess($"Packing {package}");
        }
        var version = Packages.Select(package => CheckPackage(feed, package)).Distinct().Single();

        // And a fresh console project that restores SqlHelper from that feed and everything else from the usual sources
        var app = await CreateConsoleProjectAsync(feed);
        var packagesFolder = Path.Combine(_work.FullName, "packages");
        var isolated = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesFolder };
        (await DotnetCli.RunAsync(app, ["add", "package", "SqlHelper", "--version", version], BuildTimeout, isolated))
            .EnsureSuccess("dotnet add package SqlHelper");
        Assert.True(File.Exists(Path.Combine(packagesFolder, "sqlhelper", version, $"sqlhelper.{version}.nupkg")), "SqlHelper was not restored from the local feed.");

        // When the README's example is pasted in, built and run against the test server
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ReadmeExample.Extract(Path.Combine(repository, "README.md")));
        (await DotnetCli.RunAsync(app, ["build", "-c", "Release"], BuildTimeout, isolated))
            .EnsureSuccess("Building the README example");
        var tableExisted = await TableExistsAsync("t");
        DotnetCli.Result run;
        try
        {
            run = await DotnetCli.RunAsync(app, [Path.Combine(app, "bin", "Release", "net10.0", "ReadmeExample.dll")], TimeSpan.FromMinutes(2), new Dictionary<string, string>
            {
                // The README example reads SQLHELPER_CONNECTION (the demo's variable); the test server's is set too.
                ["SQLHELPER_CONNECTION"] = fixture.ConnectionString,
                ["SQLHELPER_TEST_CONNECTION"] = fixture.ConnectionString,
            });
        }
        finally
        {
            // The example makes a table named t; drop it unless it was there before.
            if (!tableExisted)
                await fixture.ScalarAsync("DROP TABLE IF EXISTS t");
        }

        // Then it ran to the end
        run.EnsureSuccess("Running the README example");
        Assert.False(string.IsNullOrWhiteSpace(run.Output), "The README example printed nothing.");
    }

    /// <summary>Checks one package's contents and returns its version.</summary>
    private static string CheckPackage(string feed, string id)
    {
        var nupkg = Directory.GetFiles(feed, id + ".*.nupkg").Select(Path.GetFileName).SingleOrDefault(name => VersionOf(id, name!) is not null);
        Assert.True(nupkg is not null, $"dotnet pack made no {id} package in {feed}.");
        var version = VersionOf(id, nupkg!)!;
        Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), $"{id} {version} has no symbol package (.snupkg).");

        using var zip = ZipFile.OpenRead(Path.Combine(feed, nupkg!));
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        using var nuspecStream = zip.GetEntry(id + ".nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")), $"{id} has no description.");
        return version;
    }

    private static string? VersionOf(string id, string fileName)
    {
        var match = PackageFileName().Match(fileName);
        return match.Success && match.Groups["id"].Value == id ? match.Groups["version"].Value : null;
    }

    [GeneratedRegex(@"^(?<id>.+?)\.(?<version>\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]*)?)\.nupkg$")]
    private static partial Regex PackageFileName();

    /// <summary>Creates the console project, walled off from anything above it, with the local feed as a source for SqlHelper packages only.</summary>
    private async Task<string> CreateConsoleProjectAsync(string feed)
    {
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            await File.WriteAllTextAsync(Path.Combine(_work.FullName, name), "<Project />\n");
        var sources = await ConfiguredSourcesAsync();
        await File.WriteAllTextAsync(Path.Combine(_work.FullName, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="sqlhelper-local" value="{feed}" />
            {string.Concat(sources.Select((url, i) => $"    <add key=\"source{i + 1}\" value=\"{url}\" />\n"))}  </packageSources>
              <!-- SqlHelper* only from the local feed, whatever a public source may hold under the same id. -->
              <packageSourceMapping>
                <packageSource key="sqlhelper-local">
                  <package pattern="SqlHelper" />
                  <package pattern="SqlHelper.*" />
                </packageSource>
            {string.Concat(sources.Select((_, i) => $"    <packageSource key=\"source{i + 1}\">\n      <package pattern=\"*\" />\n    </packageSource>\n"))}  </packageSourceMapping>
            </configuration>
            """);
        (await DotnetCli.RunAsync(_work.FullName, ["new", "console", "--name", "ReadmeExample", "--output", "app", "--no-restore"], BuildTimeout))
            .EnsureSuccess("dotnet new console");
        return Path.Combine(_work.FullName, "app");
    }

    /// <summary>Returns the package sources this machine is configured with (the usual nuget.org, or a proxy standing in for it).</summary>
    private async Task<IReadOnlyList<string>> ConfiguredSourcesAsync()
    {
        var list = (await DotnetCli.RunAsync(_work.FullName, ["nuget", "list", "source", "--format", "Short"], TimeSpan.FromMinutes(1)))
            .EnsureSuccess("dotnet nuget list source");
        var sources = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && parts[0].Contains('E', StringComparison.Ordinal))
            .Select(parts => parts[1])
            .ToList();
        Assert.True(sources.Count > 0, $"No enabled NuGet source is configured on this machine:\n{list.Output}");
        return sources;
    }

    private async Task<bool> TableExistsAsync(string table) =>
        await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'") > 0;

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SqlHelper.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No SqlHelper.sln above {AppContext.BaseDirectory}.");
    }
}
