using System.Collections.Concurrent;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Reliability;

/// <summary>
/// Hundreds of async flows with random nesting, transactions, cancellations and a few KILLs against a small pool. Bounded
/// in count and time; run alone with <c>dotnet test --filter Category=Soak</c>.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SoakTests(DatabaseFixture db)
{
    private const int Flows = 400;
    private const int RoundsPerFlow = 4;

    [Fact]
    [Trait("Category", "Soak")]
    public async Task ManyFlows_RandomNestingTransactionsCancellationsAndKills_NothingLostNothingLeaked()
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, flow INT NOT NULL");
        // Nesting up to 3 deep is deadlock-free with ReservedForNested = 2 (depth d may take a connection while fewer than
        // MaxConnections - max(0, 2 - (d - 1)) are held).
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 12; o.ReservedForNested = 2; o.AcquireTimeout = TimeSpan.FromSeconds(60); });
        var committed = new ConcurrentBag<int>();
        var rolledBack = new ConcurrentBag<int>();
        var unexpected = new ConcurrentQueue<Exception>();
        var liveConnections = new ConcurrentDictionary<int, byte>();
        var nextId = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        async Task FlowAsync(int flow)
        {
            var random = new Random(flow);
            for (var round = 0; round < RoundsPerFlow; round++)
            {
                try
                {
                    await NestAsync(flow, random, depth: 1, maxDepth: random.Next(1, 4));
                }
                catch (Exception ex) when (IsExpected(ex))
                {
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue(ex);
                }
            }
        }

        async Task NestAsync(int flow, Random random, int depth, int maxDepth)
        {
            await using var scope = await helper.OpenAsync(stop.Token);
            var connectionId = scope.Connection.ServerThread;
            liveConnections.TryAdd(connectionId, 0);
            var id = Interlocked.Increment(ref nextId);
            var useTransaction = random.Next(2) == 0;
            var commit = random.Next(3) != 0;
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            if (random.Next(10) == 0)
                cancel.CancelAfter(random.Next(1, 20));
            var decided = false;
            try
            {
                if (useTransaction)
                    await scope.BeginTransactionAsync(cancellationToken: cancel.Token);
                await scope.ExecuteAsync($"INSERT INTO {table} (id, flow) VALUES (@id, @flow)", new { id, flow }, cancel.Token);
                if (random.Next(4) == 0)
                    await scope.ExecuteScalarAsync<long>("SELECT SLEEP(0.02)", cancellationToken: cancel.Token);
                if (depth < maxDepth)
                    await NestAsync(flow, random, depth + 1, maxDepth);
                if (!useTransaction)
                {
                    committed.Add(id);               // autocommit: the insert itself committed
                }
                else if (commit)
                {
                    decided = true;                  // a failure during COMMIT leaves the outcome unknown
                    await scope.CommitAsync(cancel.Token);
                    committed.Add(id);
                }
                else
                {
                    rolledBack.Add(id);              // disposing without commit rolls back
                }
            }
            catch when (useTransaction && !decided)
            {
                rolledBack.Add(id);                  // failed before COMMIT: the transaction never committed
                throw;
            }
            finally
            {
                liveConnections.TryRemove(connectionId, out _);
            }
        }

        var kills = 0;
        var work = Task.WhenAll(Enumerable.Range(0, Flows).Select(i => Infrastructure.Flows.RunDetached(() => FlowAsync(i))));
        var killer = Task.Run(async () =>
        {
            while (kills < 8 && !work.IsCompleted)
            {
                await Task.Delay(40);
                if (liveConnections.Keys.OrderBy(_ => Random.Shared.Next()).FirstOrDefault() is var victim and > 0)
                {
                    try
                    {
                        await db.KillAsync(victim);
                        kills++;
                    }
                    catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.NoSuchThread)
                    {
                        // it finished first
                    }
                }
            }
        });

        await work;
        await killer;

        Assert.False(stop.IsCancellationRequested, "the soak did not finish within its time bound");
        Assert.True(unexpected.IsEmpty, string.Join("\n---\n", unexpected.Take(3)));
        var present = (await helper.FetchAllAsync<int>($"SELECT id FROM {table}")).ToHashSet();
        Assert.All(committed, id => Assert.Contains(id, present));
        Assert.All(rolledBack, id => Assert.DoesNotContain(id, present));
        Assert.True(committed.Count > Flows, $"only {committed.Count} rows committed");
        Assert.True(kills > 0, "no connection was killed during the run");
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
        await helper.ClearPoolAsync();
        Assert.Equal(baseline, await db.WaitForUserSessionsAsync(baseline));
    }

    /// <summary>What cancellations and KILLs may legitimately surface as.</summary>
    private static bool IsExpected(Exception ex) => ex is OperationCanceledException or MySqlException
        || (ex is InvalidOperationException && ex.Message.Contains("was lost: it was killed", StringComparison.Ordinal));
}
