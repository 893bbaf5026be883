using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SqlHelpers.DependencyInjection;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.DependencyInjection;

[Collection(DatabaseCollection.Name)]
public sealed class HealthCheckTests(DatabaseFixture fixture)
{
    private const string Password = "Dead-end-secret-pw";

    [Fact]
    public async Task AddHealthCheck_WhenTheServerAnswers_IsHealthy()
    {
        await using var provider = Build(o => o.ConnectionString = fixture.ConnectionString, b => b.AddHealthCheck());

        var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.StartsWith("The server answered SELECT 1", entry.Description, StringComparison.Ordinal);
        Assert.Equal(100, entry.Data["maxConnections"]);
        Assert.Equal(0, entry.Data["heldConnections"]);
        Assert.Equal(0, provider.GetRequiredService<SqlHelper>().GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task AddHealthCheck_InsideAScopeOfTheCaller_ProbesOnItsOwnScope()
    {
        await using var provider = Build(o => o.ConnectionString = fixture.ConnectionString, b => b.AddHealthCheck());
        var db = provider.GetRequiredService<SqlHelper>();
        await using var request = await db.OpenAsync();

        var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Same(request, db.Current);
        Assert.Equal(1, db.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task AddHealthCheck_WhenScopesHoldTheThresholdOfTheConnections_IsDegraded()
    {
        // Given scopes of other flows holding half of MaxConnections
        await using var provider = Build(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.MaxConnections = 10;
        }, b => b.AddHealthCheck(degradedThreshold: 0.5));
        var db = provider.GetRequiredService<SqlHelper>();
        var held = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Flows.RunDetached(async () => await db.OpenAsync())));
        try
        {
            // When the check runs
            var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

            // Then the server answered, but the pool is reported nearly exhausted
            Assert.Equal(HealthStatus.Degraded, entry.Status);
            Assert.Contains("5/10", entry.Description, StringComparison.Ordinal);
            Assert.Equal(5, entry.Data["heldConnections"]);
        }
        finally
        {
            foreach (var scope in held)
                await scope.DisposeAsync();
        }
    }

    [Fact]
    public async Task AddHealthCheck_WhenThePoolIsTooFullForTheProbe_IsDegradedNotUnhealthy()
    {
        // Given outermost scopes holding all the connections an outermost scope may take (the rest is kept for nesting)
        await using var provider = Build(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.MaxConnections = 10;
        }, b => b.AddHealthCheck(timeout: TimeSpan.FromSeconds(1)));
        var db = provider.GetRequiredService<SqlHelper>();
        var held = await Task.WhenAll(Enumerable.Range(0, 9).Select(_ => Flows.RunDetached(async () => await db.OpenAsync())));
        try
        {
            // When the check's probe cannot get a connection in time
            var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

            // Then that is a busy pool, not a dead server
            Assert.Equal(HealthStatus.Degraded, entry.Status);
            Assert.Contains("9/10", entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var scope in held)
                await scope.DisposeAsync();
        }
    }

    [Fact]
    public async Task AddHealthCheck_WhenNothingListens_IsUnhealthyWithTheErrorButNotThePassword()
    {
        var port = DeadEndpoints.ClosedPort();
        await using var provider = Build(o => o.ConnectionString = DeadServer(port), b => b.AddHealthCheck());

        var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("The server did not answer SELECT 1: ", entry.Description, StringComparison.Ordinal);
        Assert.Equal("MySqlException", entry.Data["error"]);
        Assert.Equal(0, entry.Data["openScopes"]);
        AssertNoPassword(entry);
        Assert.Equal(0, provider.GetRequiredService<SqlHelper>().GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task AddHealthCheck_WhenTheServerHangs_IsUnhealthyAfterTheTimeout()
    {
        using var silent = DeadEndpoints.SilentListener();
        await using var provider = Build(
            o => o.ConnectionString = DeadServer(silent.Port(), connectTimeout: 30),
            b => b.AddHealthCheck(timeout: TimeSpan.FromSeconds(1)));

        var entry = await CheckAsync(provider, SqlHelperBuilder.DefaultHealthCheckName);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("The server did not answer SELECT 1 within 1 s.", entry.Description);
        AssertNoPassword(entry);
    }

    [Fact]
    public async Task AddHealthCheck_WithFailureStatusAndName_ReportsThemForADeadServer()
    {
        await using var provider = Build(
            o => o.ConnectionString = DeadServer(DeadEndpoints.ClosedPort()),
            b => b.AddHealthCheck(name: "orders-db", failureStatus: HealthStatus.Degraded, tags: ["ready"]));

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        var entry = Assert.Single(report.Entries);
        Assert.Equal("orders-db", entry.Key);
        Assert.Equal(HealthStatus.Degraded, entry.Value.Status);
    }

    [Fact]
    public void AddHealthCheck_WithThresholdOutOfRange_Throws()
    {
        var builder = new ServiceCollection().AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddHealthCheck(degradedThreshold: 1.5));

        Assert.Equal("degradedThreshold", ex.ParamName);
    }

    private static string DeadServer(int port, int connectTimeout = 1) =>
        $"Server=127.0.0.1;Port={port};Database=nowhere;User ID=nobody;Password={Password};Connection Timeout={connectTimeout}";

    private static void AssertNoPassword(HealthReportEntry entry)
    {
        Assert.DoesNotContain(Password, entry.Description ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(Password, entry.Exception?.ToString() ?? "", StringComparison.Ordinal);
        foreach (var value in entry.Data.Values)
            Assert.DoesNotContain(Password, value.ToString() ?? "", StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Action<SqlHelperOptions> configure, Action<SqlHelperBuilder> health)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        health(services.AddSqlHelper(configure));
        return services.BuildServiceProvider();
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider provider, string name)
    {
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[name];
    }
}
