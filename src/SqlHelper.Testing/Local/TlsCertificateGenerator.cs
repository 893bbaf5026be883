using SqlHelpers.Testing.Utilities;

namespace SqlHelpers.Testing.Local;

/// <summary>
/// Makes a throwaway CA and a server certificate it signed, for <c>CN=127.0.0.1</c> with <c>subjectAltName IP:127.0.0.1</c>,
/// with the openssl command-line tool, so clients can verify the server with <c>SslMode=VerifyCA</c> (or VerifyFull).
/// </summary>
internal static class TlsCertificateGenerator
{
    public static async Task<(string CaCertificate, string ServerCertificate, string ServerKey)> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        var openssl = ProcessRunner.Find("openssl")
            ?? throw new InvalidOperationException("EnableTls needs the openssl command-line tool, which is not installed. Install it (apt-get install -y openssl) or leave EnableTls off.");
        string In(string name) => Path.Combine(directory, name);
        await RunAsync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "7", "-subj", "/CN=SqlHelper Test CA", "-keyout", In("ca-key.pem"), "-out", In("ca.pem")], cancellationToken).ConfigureAwait(false);
        await RunAsync(openssl, ["req", "-newkey", "rsa:2048", "-sha256", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", In("server-key.pem"), "-out", In("server.csr")], cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(In("server.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n", cancellationToken).ConfigureAwait(false);
        await RunAsync(openssl, ["x509", "-req", "-sha256", "-days", "7", "-in", In("server.csr"), "-CA", In("ca.pem"), "-CAkey", In("ca-key.pem"), "-CAcreateserial", "-extfile", In("server.ext"), "-out", In("server-cert.pem")], cancellationToken).ConfigureAwait(false);
        return (In("ca.pem"), In("server-cert.pem"), In("server-key.pem"));
    }

    private static async Task RunAsync(string openssl, string[] arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(openssl, arguments, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
            throw new InvalidOperationException($"openssl {arguments[0]} failed with exit code {exitCode} while making the test certificates: {output.Trim()}");
    }
}
