using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Reliability;

[Collection(DatabaseCollection.Name)]
public sealed class SecretTests(DatabaseFixture db)
{
    [Fact]
    public async Task AcrossAFaultRun_NoExceptionLogLineToStringOrSnapshotContainsAPassword()
    {
        const string wrongPassword = "Wr0ng-Secret-Pw-771";
        var logs = new CapturingLoggerFactory();
        var texts = new List<string>();
        void Capture(Exception ex) => texts.Add(ex.ToString());

        await using var helper = db.CreateHelper(o =>
        {
            o.LoggerFactory = logs;
            o.MaxConnections = 2;
            o.ReservedForNested = 0;
            o.AcquireTimeout = TimeSpan.FromMilliseconds(200);
            o.LeakDetectionThreshold = TimeSpan.FromMilliseconds(50);
            o.CaptureOpenSite = true;
        });

        // wrong password, bad connection string, unreachable replica
        var wrong = new MySqlConnectionStringBuilder(db.ConnectionString) { Password = wrongPassword };
        await using (var bad = new SqlHelper(new SqlHelperOptions { ConnectionString = wrong.ConnectionString, LoggerFactory = logs }))
        {
            try { await bad.OpenAsync(); } catch (MySqlException ex) { Capture(ex); }
            texts.Add(bad.ToString());
        }
        try { _ = new SqlHelper(wrong.ConnectionString + ";Port=nope"); } catch (ArgumentException ex) { Capture(ex); }

        // exhaustion, leak report, a killed query, a syntax error
        var a = await Flows.RunDetached(async () => await helper.OpenAsync());
        var b = await Flows.RunDetached(async () => await helper.OpenAsync());
        try { await helper.OpenAsync(); } catch (SqlPoolExhaustedException ex) { Capture(ex); }
        await Task.Delay(300);
        var query = a.ExecuteScalarAsync<long>("SELECT SLEEP(5)");
        await Task.Delay(200);
        await db.KillAsync(a.Connection.ServerThread);
        try { await query; } catch (SqlConnectionLostException ex) { Capture(ex); }
        try { await b.ExecuteAsync("SELEC 1"); } catch (MySqlException ex) { Capture(ex); }
        texts.Add(helper.ToString());
        texts.Add(a.ToString());
        texts.Add(helper.GetStatistics().ToString());
        texts.AddRange(helper.GetOpenScopes().Select(s => s.ToString() + s.OpenSite));
        await a.DisposeAsync();
        await b.DisposeAsync();

        texts.AddRange(logs.Entries.Select(e => e.Message + e.Exception));
        Assert.True(texts.Count > 10);
        Assert.NotEmpty(logs.WithEventId(1030));
        foreach (var secret in new[] { db.Server.Password, wrongPassword })
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.Ordinal));
    }
}
