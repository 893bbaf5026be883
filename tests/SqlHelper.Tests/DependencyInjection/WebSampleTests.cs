using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using SqlHelpers.Tests.Infrastructure;
using SqlHelpers.WebSample;

namespace SqlHelpers.Tests.DependencyInjection;

/// <summary>
/// Starts samples/SqlHelper.WebSample for real (Kestrel on 127.0.0.1, a free port) and calls it concurrently: each request
/// runs in its own scope and must see only its own scopes.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class WebSampleTests(DatabaseFixture fixture) : IAsyncLifetime
{
    private const int Requests = 50;
    private const int MaxConnections = 30;
    private WebApplication? _app;
    private HttpClient? _client;

    private HttpClient Client => _client ?? throw new InvalidOperationException("The sample has not started.");

    public async Task InitializeAsync()
    {
        _app = WebSampleApp.Build([
            "--urls", "http://127.0.0.1:0",
            $"--SqlHelper:ConnectionString={fixture.ConnectionString}",
            $"--SqlHelper:MaxConnections={MaxConnections}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        var address = _app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
    }

    [Fact]
    public async Task WhoAmI_ManyConcurrentRequests_EachRunsInItsOwnDepthOneScope()
    {
        var reports = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => Client.GetFromJsonAsync<ScopeReport>("/whoami")));

        Assert.All(reports, report =>
        {
            Assert.NotNull(report);
            Assert.Equal(1, report.Depth);
            Assert.Equal(report.ConnectionId, report.CurrentConnectionId);
        });
        await AssertAllScopesClosedAsync();
    }

    [Fact]
    public async Task Nested_ManyConcurrentRequests_EachSeesOnlyItsOwnScopes()
    {
        // Given 50 requests at once, each nesting two scopes inside its request scope and holding all three for a while
        var responses = await Task.WhenAll(Enumerable.Range(1, Requests).Select(async tag =>
            (Tag: (long) tag, Report: await Client.GetFromJsonAsync<NestedReport>($"/nested?tag={tag}&holdMs=100"))));

        // Then each request saw depths 1..3 on three connections of its own, and came back to its own request scope
        foreach (var (tag, report) in responses)
        {
            Assert.NotNull(report);
            Assert.Equal([1, 2, 3], report.Levels.Select(l => l.Depth));
            Assert.Equal(3, report.Levels.Select(l => l.ConnectionId).Distinct().Count());
            Assert.All(report.Levels, l => Assert.Equal(l.ConnectionId, l.CurrentConnectionId));
            Assert.Equal(tag, report.Levels[0].Tag);
            Assert.Null(report.Levels[1].Tag);
            Assert.Null(report.Levels[2].Tag);
            Assert.Equal(new ScopeReport(1, report.Levels[0].ConnectionId, report.Levels[0].ConnectionId, tag), report.After);
        }

        // And requests whose three scopes were open at the same time never shared a connection
        var overlapping = 0;
        for (var i = 0; i < responses.Length; i++)
        {
            for (var j = i + 1; j < responses.Length; j++)
            {
                var (a, b) = (responses[i].Report!, responses[j].Report!);
                if (a.HeldFrom < b.HeldUntil && b.HeldFrom < a.HeldUntil)
                {
                    overlapping++;
                    Assert.Empty(a.Levels.Select(l => l.ConnectionId).Intersect(b.Levels.Select(l => l.ConnectionId)));
                }
            }
        }
        Assert.True(overlapping > 0, "No two requests held their scopes at the same time; the test did not run them concurrently.");

        // And every scope was closed when the requests ended, with the cap respected throughout
        var statistics = await AssertAllScopesClosedAsync();
        Assert.True(statistics.PeakOpenScopes <= MaxConnections, $"Peak {statistics.PeakOpenScopes} scopes with MaxConnections {MaxConnections}.");
        Assert.Equal(0, statistics.PoolExhaustions);
    }

    [Fact]
    public async Task Health_WithTheServerUp_IsHealthy()
    {
        using var response = await Client.GetAsync("/health");

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        await AssertAllScopesClosedAsync();
    }

    /// <summary>Waits (a response can reach the client just before its request scope is disposed) until no scope is open.</summary>
    private async Task<StatisticsReport> AssertAllScopesClosedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        StatisticsReport? statistics;
        while ((statistics = await Client.GetFromJsonAsync<StatisticsReport>("/stats"))!.OpenScopes != 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(0, statistics.OpenScopes);
        Assert.Equal(0, statistics.HeldConnections);
        Assert.Equal(0, statistics.MisnestedDisposals);
        return statistics;
    }
}
