using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.DependencyInjection;

[Collection(DatabaseCollection.Name)]
public sealed class AddSqlHelperTests(DatabaseFixture fixture)
{
    [Fact]
    public async Task AddSqlHelper_FromConfigurationSection_BindsScalarsArraysAndTimeSpans()
    {
        // Given appsettings-style JSON with an array, TimeSpans, an enum and a nullable
        var configuration = ConfigurationJson.Parse($$"""
            {
              "SqlHelper": {
                "ConnectionString": {{ConfigurationJson.Quote(fixture.ConnectionString)}},
                "MaxConnections": 7,
                "Blocking": false,
                "AcquireTimeout": "00:00:03",
                "LeakDetectionThreshold": "00:02:00",
                "SessionReset": "WhenDirty",
                "ReservedForNested": 2,
                "SessionInit": [ "SET @a = 1", "SET @b = 2" ]
              }
            }
            """);
        var services = new ServiceCollection();
        services.AddSqlHelper(configuration.GetSection("SqlHelper"));
        await using var provider = services.BuildServiceProvider();

        // When the helper is resolved
        var db = provider.GetRequiredService<SqlHelper>();

        // Then every value arrived, and the session set-up runs on its connections
        var options = db.Options;
        Assert.Equal(7, options.MaxConnections);
        Assert.False(options.Blocking);
        Assert.Equal(TimeSpan.FromSeconds(3), options.AcquireTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.LeakDetectionThreshold);
        Assert.Equal(SessionResetPolicy.WhenDirty, options.SessionReset);
        Assert.Equal(2, options.ReservedForNested);
        Assert.Equal(["SET @a = 1", "SET @b = 2"], options.SessionInit);
        Assert.Equal(3, await db.FetchOneAsync<long>("SELECT @a + @b"));
    }

    [Fact]
    public async Task AddSqlHelper_FromDelegate_ConfiguresTheHelper()
    {
        var services = new ServiceCollection();
        services.AddSqlHelper(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.MaxConnections = 5;
            o.SessionInit.Add("SET @from_code = 42");
        });
        await using var provider = services.BuildServiceProvider();

        var db = provider.GetRequiredService<SqlHelper>();

        Assert.Equal(5, db.Options.MaxConnections);
        await using var scope = await db.OpenAsync();
        Assert.Same(scope, db.Current);
        Assert.Equal(42, await db.FetchOneAsync<long>("SELECT @from_code"));
    }

    [Fact]
    public async Task AddSqlHelper_ResolvedFromRootAndScopes_IsOneSingleton()
    {
        var services = new ServiceCollection();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var first = provider.GetRequiredService<SqlHelper>();
        await using var scope = provider.CreateAsyncScope();

        Assert.Same(first, provider.GetRequiredService<SqlHelper>());
        Assert.Same(first, scope.ServiceProvider.GetRequiredService<SqlHelper>());
    }

    [Fact]
    public async Task AddSqlHelper_CalledTwice_RegistersOneHelper()
    {
        var services = new ServiceCollection();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        services.AddSqlHelper(o => o.MaxConnections = 9);
        await using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<SqlHelper>());
        Assert.Equal(9, provider.GetRequiredService<SqlHelper>().Options.MaxConnections);
    }

    [Fact]
    public async Task DisposeAsync_OfTheContainer_DisposesTheHelper()
    {
        // Given a helper that has held a connection
        var services = new ServiceCollection();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        var provider = services.BuildServiceProvider();
        var db = provider.GetRequiredService<SqlHelper>();
        Assert.Equal(1, await db.FetchOneAsync<int>("SELECT 1"));

        // When the container is disposed
        await provider.DisposeAsync();

        // Then the helper is closed
        Assert.Throws<ObjectDisposedException>(() => db.Open());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await db.OpenAsync());
    }

    [Fact]
    public void Dispose_OfTheContainer_DisposesTheHelper()
    {
        var services = new ServiceCollection();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        var provider = services.BuildServiceProvider();
        var db = provider.GetRequiredService<SqlHelper>();
        using (db.Open())
        {
        }

        provider.Dispose();

        Assert.Throws<ObjectDisposedException>(() => db.Open());
    }

    [Fact]
    public async Task AddSqlHelper_WithLoggingInTheContainer_UsesTheContainersLoggerFactory()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        var db = provider.GetRequiredService<SqlHelper>();

        Assert.Same(provider.GetRequiredService<ILoggerFactory>(), db.Options.LoggerFactory);
    }

    [Fact]
    public async Task AddSqlHelper_WithALoggerFactoryInTheOptions_KeepsIt()
    {
        using var own = new CapturingLoggerFactory();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSqlHelper(o =>
        {
            o.ConnectionString = fixture.ConnectionString;
            o.LoggerFactory = own;
        });
        await using var provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<SqlHelper>().Options.LoggerFactory);
    }

    [Fact]
    public async Task AddSqlHelper_WithoutLoggingInTheContainer_LogsNothing()
    {
        var services = new ServiceCollection();
        services.AddSqlHelper(o => o.ConnectionString = fixture.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SqlHelperOptions>>().Value;

        Assert.True(options.LoggerFactory is null or NullLoggerFactory);
    }
}
