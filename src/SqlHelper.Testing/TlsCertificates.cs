namespace SqlHelpers.Testing;

/// <summary>Makes a throwaway CA and a server certificate for 127.0.0.1 with the openssl command-line tool.</summary>
internal static class TlsCertificates
{
    public sealed record Files(string CaCertificate, string ServerCertificate, string ServerKey);

    public static async Task<Files> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        var openssl = ProcessRunner.Find("openssl")
            ?? throw new InvalidOperationException("EnableTls needs the openssl command-line tool (apt-get install -y openssl).");
        string In(string name) => Path.Combine(directory, name);
        await RunAsync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", In("ca-key.pem"), "-out", In("ca.pem"), "-days", "3", "-subj", "/CN=SqlHelper Test CA"], cancellationToken).ConfigureAwait(false);
        await RunAsync(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", In("server-key.pem"), "-out", In("server.csr"), "-subj", "/CN=127.0.0.1"], cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(In("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n", cancellationToken).ConfigureAwait(false);
        await RunAsync(openssl, ["x509", "-req", "-in", In("server.csr"), "-CA", In("ca.pem"), "-CAkey", In("ca-key.pem"), "-CAcreateserial", "-out", In("server-cert.pem"), "-days", "3", "-extfile", In("server.ext")], cancellationToken).ConfigureAwait(false);
        return new Files(In("ca.pem"), In("server-cert.pem"), In("server-key.pem"));
    }

    private static async Task RunAsync(string openssl, string[] arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(openssl, arguments, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
            throw new InvalidOperationException($"openssl {arguments[0]} failed ({exitCode}): {output}");
    }
}
