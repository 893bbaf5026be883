using System.Collections.Concurrent;
using System.Globalization;
using MySqlConnector;
using SqlHelpers.Testing;
using SqlHelpers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Faults;

/// <summary>
/// Many flows write and read through SqlHelper while <see cref="MySqlFaultProxy"/> cycles through the network faults,
/// with a ledger of every write: acknowledged writes are all there exactly once, writes whose outcome the client could
/// not know are reported as such and counted apart, nothing is written twice, and scopes and server sessions return to
/// their baseline. 30 s by default; <c>SQLHELPER_SOAK_SECONDS</c> makes it longer.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class FaultSoakTests(DatabaseFixture db, ITestOutputHelper output)
{
    private const int Flows = 8;

    [Fact]
    [Trait("Category", "Soak")]
    public async Task WritesUnderCyclingFaults_LedgerHolds_NothingTwice_BackToBaseline()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("SQLHELPER_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 30;
        var baseline = await db.CountUserSessionsAsync();
        await using var table = await db.CreateTableAsync("op BIGINT NOT NULL, flow INT NOT NULL");   // no key: a double write would show
        await using var proxy = await MySqlFaultProxy.StartAsync(db.Server.Host, db.Server.Port);
        var connectionString = new MySqlConnectionStringBuilder(proxy.RewriteConnectionString(db.ConnectionString))
        {
            ConnectionTimeout = 2,
            DefaultCommandTimeout = 2,
            CancellationTimeout = 1,
        }.ConnectionString;

        var acknowledged = new ConcurrentBag<long>();
        var unknown = new ConcurrentBag<long>();
        var notSent = new ConcurrentBag<long>();
        var other = new ConcurrentDictionary<string, int>();
        var reads = 0L;
        await using (var helper = new SqlHelper(new SqlHelperOptions
        {
            ConnectionString = connectionString,
            MaxConnections = 6,
            AcquireTimeout = TimeSpan.FromSeconds(5),
            SessionReset = SessionResetPolicy.WhenDirty,
            PingAfterIdle = TimeSpan.FromMilliseconds(200),
        }))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var cycler = CycleFaultsAsync(proxy, stop.Token);
            var flows = Enumerable.Range(1, Flows).Select(flow => Task.Run(async () =>
            {
                for (long i = 0; !stop.IsCancellationRequested; i++)
                {
                    var op = (flow * 10_000_000L) + i;
                    SqlScope scope;
                    try
                    {
                        scope = await helper.OpenAsync();
                    }
                    catch (Exception ex) when (ex is MySqlException or SqlPoolExhaustedException)
                    {
                        notSent.Add(op);
                        continue;
                    }
                    await using (scope)
                    {
                        try
                        {
                            await scope.ExecuteAsync($"INSERT INTO {table} (op, flow) VALUES (@op, @flow)", new { op, flow });
                            acknowledged.Add(op);
                            await scope.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE flow = @flow", new { flow });
                            Interlocked.Increment(ref reads);
                        }
                        catch (SqlConnectionLostException ex)
                        {
                            (ex.OutcomeUnknown ? unknown : notSent).Add(op);
                        }
                        catch (MySqlException ex)
                        {
                            // A timed-out statement may have run before the driver cancelled it: unknown, never resent.
                            if (!acknowledged.Contains(op))
                                unknown.Add(op);
                            other.AddOrUpdate(ex.ErrorCode.ToString(), 1, (_, n) => n + 1);
                        }
                    }
                }
            })).ToList();
            await Task.WhenAll(flows).WaitAsync(TimeSpan.FromSeconds(seconds + 60));
            await cycler;

            proxy.Heal();
            proxy.ResetAllConnections();
            var stats = helper.GetStatistics();
            output.WriteLine($"acknowledged {acknowledged.Count}, outcome unknown {unknown.Count}, not sent {notSent.Count}, reads {reads}; other errors: {string.Join(", ", other.Select(p => $"{p.Key}={p.Value}"))}");
            output.WriteLine(stats.ToString());
            Assert.Equal(0, stats.OpenScopes);
            Assert.Equal(0, stats.HeldConnections);
            await helper.ClearPoolAsync();
        }

        var rows = (await ReadLedgerAsync(table.Name)).ToLookup(static r => r);
        var twice = rows.Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"written twice: {string.Join(", ", twice.Take(10))}");
        var lost = acknowledged.Where(op => !rows.Contains(op)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but missing: {string.Join(", ", lost.Take(10))}");
        var ghosts = notSent.Where(op => rows.Contains(op)).ToList();
        Assert.True(ghosts.Count == 0, $"reported as not sent but present: {string.Join(", ", ghosts.Take(10))}");
        Assert.True(acknowledged.Count > 0, "no write was acknowledged at all");
        Assert.Equal(baseline, await db.WaitForUserSessionsAsync(baseline, TimeSpan.FromSeconds(30)));
    }

    private static async Task CycleFaultsAsync(MySqlFaultProxy proxy, CancellationToken stop)
    {
        var faults = new Action[]
        {
            () => proxy.SetLatency(ProxyDirection.Both, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(5)),
            () => proxy.Blackhole(),
            proxy.ResetAllConnections,
            () => proxy.RefuseNewConnections(),
            () => proxy.CloseAfterBytes(ProxyDirection.Downstream, 4096),
            () => proxy.ForgetIdleConnections(TimeSpan.FromMilliseconds(300)),
            () => proxy.SetBandwidth(ProxyDirection.Both, 64 * 1024),
        };
        try
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(800), stop);
                faults[i % faults.Length]();
                await Task.Delay(TimeSpan.FromMilliseconds(1200), stop);
                proxy.Heal();
                if (i % faults.Length == 5)
                    proxy.ResetAllConnections();   // forgotten connections stay dead after a heal: the network ends them
            }
        }
        catch (OperationCanceledException)
        {
            // the soak is over
        }
    }

    private async Task<List<long>> ReadLedgerAsync(string table)
    {
        await using var connection = new MySqlConnection(db.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT op FROM {table}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ops = new List<long>();
        while (await reader.ReadAsync())
            ops.Add(reader.GetInt64(0));
        return ops;
    }
}
