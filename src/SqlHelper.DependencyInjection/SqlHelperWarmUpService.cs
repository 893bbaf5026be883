using Microsoft.Extensions.Hosting;

namespace SqlHelpers.DependencyInjection;

/// <summary>Builds the registered helper when the host starts and opens its idle connections.</summary>
internal sealed class SqlHelperWarmUpService(SqlHelper db) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => db.WarmUpAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
