namespace SqlHelpers.Testing;

/// <summary>Answers, quickly and without hanging, whether a Docker engine is reachable.</summary>
internal static class DockerProbe
{
    public static async Task<bool> IsEngineAvailableAsync(CancellationToken cancellationToken)
    {
        var hasEndpoint = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");
        if (!hasEndpoint || ProcessRunner.Find("docker") is not { } docker)
            return false;
        try
        {
            var (exitCode, _) = await ProcessRunner.RunAsync(docker, ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return exitCode == 0;
        }
        catch (Exception ex) when (ex is TimeoutException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
