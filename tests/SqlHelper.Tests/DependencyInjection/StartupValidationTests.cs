using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.DependencyInjection;

/// <summary>A bad option stops the host at start-up, naming the option, before anything resolves the helper.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class StartupValidationTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task StartAsync_WithBadValueInConfiguration_FailsNamingTheKey()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section($$"""{ "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}}, "MaxConnections": 0 }""")));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SqlHelper:MaxConnections", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxConnections must be at least 1, but was 0.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithBadValueInCode_FailsNamingTheOption()
    {
        using var host = BuildHost(services => services.AddSqlHelper(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.MaxConnections = 4;
            o.MinIdle = 5;
        }));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SqlHelperOptions.MinIdle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MinIdle (5) must not exceed MaxConnections (4).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithoutConnectionString_FailsNamingIt()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section("""{ "MaxConnections": 3 }""")));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SqlHelper:ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithUnparsableConnectionString_FailsWithoutShowingThePassword()
    {
        using var host = BuildHost(services => services.AddSqlHelper(o =>
            o.ConnectionString = "Server=127.0.0.1;Password=Hunter2-secret;Port=not-a-number"));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SqlHelperOptions.ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithBadReplicaConnectionString_FailsNamingTheReplica()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section($$"""
            { "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}}, "ReplicaConnectionStrings": [ {{ConfigurationJson.Quote(fixture.ConnectionString)}}, " " ] }
            """)));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SqlHelper:ReplicaConnectionStrings: ReplicaConnectionStrings[1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithMisspelledKey_FailsNamingTheKey()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section($$"""{ "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}}, "MaxConnection": 5 }""")));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("'MaxConnection'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithValueOfTheWrongType_FailsNamingTheKey()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section($$"""{ "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}}, "AcquireTimeout": "soon" }""")));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("SqlHelper:AcquireTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithGoodOptions_StartsAndValidatesOnce()
    {
        using var host = BuildHost(services => services.AddSqlHelper(Section($$"""{ "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}} }""")));

        await host.StartAsync();
        var db = host.Services.GetRequiredService<SqlHelper>();
        Assert.Equal(1, await db.FetchOneAsync<int>("SELECT 1"));
        await host.StopAsync();
    }

    [Fact]
    public void StartupValidator_WithoutAHost_ReportsTheBadOption()
    {
        // Apps that build a ServiceProvider themselves can run the same start-up check.
        var services = new ServiceCollection();
        services.AddSqlHelper(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.AcquireTimeout = TimeSpan.FromSeconds(-1);
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("SqlHelperOptions.AcquireTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmUpOnStart_WithMinIdle_OpensTheIdleConnectionsAtStart()
    {
        // Given no sessions of ours yet
        var before = await fixture.CountUserSessionsAsync();
        using var host = BuildHost(services => services.AddSqlHelper(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.MinIdle = 2;
        }).WarmUpOnStart());

        // When the host starts
        await host.StartAsync();

        // Then the pool holds MinIdle idle sessions before the first scope
        Assert.Equal(before + 2, await fixture.WaitForUserSessionsAsync(before + 2));
        Assert.Equal(0, host.Services.GetRequiredService<SqlHelper>().GetStatistics().ScopesOpened);
        await host.StopAsync();
    }

    private static IConfigurationSection Section(string json) =>
        ConfigurationJson.Parse($$"""{ "SqlHelper": {{json}} }""").GetSection("SqlHelper");

    private static IHost BuildHost(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        return builder.Build();
    }
}
