using System.ComponentModel;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Utilities;

/// <summary>
/// Answers, quickly and without hanging, whether a Docker engine is reachable: <c>docker info</c> with a time limit when
/// the CLI is installed (it knows about contexts and remote hosts), else a <c>/_ping</c> on the engine's Unix socket.
/// </summary>
internal static class DockerProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<bool> IsEngineAvailableAsync(CancellationToken cancellationToken)
    {
        if (ProcessRunner.Find("docker") is { } docker)
        {
            try
            {
                var (exitCode, _) = await ProcessRunner.RunAsync(docker, ["info", "--format", "{{.ServerVersion}}"], Timeout, cancellationToken).ConfigureAwait(false);
                return exitCode == 0;
            }
            catch (Exception ex) when (ex is TimeoutException or Win32Exception)
            {
                return false;
            }
        }
        return FindEngineSocket() is { } socket && await PingAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    private static string? FindEngineSocket()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host)
            return host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null;
        string?[] candidates =
        [
            "/var/run/docker.sock",
            Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? Path.Combine(runtime, "docker.sock") : null,
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker", "run", "docker.sock"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static async Task<bool> PingAsync(string socketPath, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var client = new HttpClient(handler) { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(new Uri("http://localhost/_ping"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }
}
