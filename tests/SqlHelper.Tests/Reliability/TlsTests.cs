using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Reliability;

[Collection(DatabaseCollection.Name)]
public sealed class TlsTests
{
    [Fact]
    public async Task VerifyCA_WithTheServersCa_ConnectsOverTls_AndAWrongCaFailsClearly()
    {
        await using var server = await MySqlTestServer.StartAsync(new MySqlTestServerOptions { EnableTls = true, RequireLocalBinary = true });
        Assert.NotNull(server.CaCertificatePath);

        var good = new MySqlConnectionStringBuilder(server.ConnectionString) { SslMode = MySqlSslMode.VerifyCA, SslCa = server.CaCertificatePath };
        await using (var helper = new SqlHelper(good.ConnectionString))
        await using (var scope = await helper.OpenAsync())
        {
            var cipher = await scope.FetchOneAsync<(string Name, string Value)>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
            Assert.False(string.IsNullOrEmpty(cipher.Value));
        }

        var otherCa = Path.Combine(Path.GetTempPath(), "sqlhelper-other-ca-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(otherCa);
        try
        {
            using (var openssl = Process.Start("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(otherCa, "key.pem"), "-out", Path.Combine(otherCa, "ca.pem"), "-days", "1", "-subj", "/CN=Not The Server CA"])!)
                await openssl.WaitForExitAsync();
            var wrong = new MySqlConnectionStringBuilder(good.ConnectionString) { SslCa = Path.Combine(otherCa, "ca.pem") };
            await using var helper = new SqlHelper(wrong.ConnectionString);
            var ex = await Assert.ThrowsAsync<MySqlException>(async () => await helper.OpenAsync());
            Assert.Contains("certificate", ex.ToString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, helper.GetStatistics().HeldConnections);
        }
        finally
        {
            Directory.Delete(otherCa, recursive: true);
        }
    }
}
