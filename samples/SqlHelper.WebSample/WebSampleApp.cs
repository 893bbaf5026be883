using SqlHelpers.DependencyInjection;

namespace SqlHelpers.WebSample;

/// <summary>Builds the sample app: SqlHelper from configuration, a scope per request, and the endpoints.</summary>
internal static class WebSampleApp
{
    /// <summary>Builds the app from command-line <paramref name="args"/> (e.g. <c>--urls</c>, <c>--SqlHelper:ConnectionString=...</c>).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSqlHelper(builder.Configuration.GetSection("SqlHelper"))
            .AddHealthCheck(timeout: TimeSpan.FromSeconds(3));

        var app = builder.Build();

        // Every request but the infrastructure endpoints runs inside a scope of its own (Flask's request context).
        app.UseWhen(static context => !IsInfrastructure(context.Request.Path), static branch => branch.UseMiddleware<RequestScopeMiddleware>());

        app.MapHealthChecks("/health");
        app.MapGet("/stats", static (SqlHelper db) => StatisticsReport.From(db.GetStatistics()));
        app.MapGet("/whoami", ScopeEndpoints.WhoAmIAsync);
        app.MapGet("/nested", ScopeEndpoints.NestedAsync);
        return app;
    }

    private static bool IsInfrastructure(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/stats", StringComparison.OrdinalIgnoreCase);
}
