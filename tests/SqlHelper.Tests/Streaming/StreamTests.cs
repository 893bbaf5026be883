using System.Diagnostics;
using SqlHelpers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SqlHelpers.Tests.Streaming;

[Collection(DatabaseCollection.Name)]
public sealed class StreamTests(DatabaseFixture db, ITestOutputHelper output)
{
    private const string Numbers = "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < @count) SELECT n FROM s";

    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task FetchStream_OnAScope_ReadsEveryRowAndMapsLikeFetchAll(bool async)
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var rows = await Collect(async ? scope.FetchStreamAsync<int>(Numbers, new { count = 500 }) : null, async ? null : scope.FetchStream<int>(Numbers, new { count = 500 }));
        Assert.Equal(Enumerable.Range(1, 500), rows);
        var mapped = await Collect(async ? scope.FetchStreamAsync<Row>("SELECT 7 AS Id, 'x' AS Name") : null, async ? null : scope.FetchStream<Row>("SELECT 7 AS Id, 'x' AS Name"));
        Assert.Equal(new Row(7, "x"), Assert.Single(mapped));
        Assert.Equal(3L, await scope.ExecuteScalarAsync<long>("SELECT 3"));   // the scope is free again
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task FetchStream_WhileOpen_OtherStatementsOnTheScopeFailClearly(bool async)
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        if (async)
        {
            await foreach (var n in scope.FetchStreamAsync<int>(Numbers, new { count = 3 }))
            {
                var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => helper.ExecuteScalarAsync<long>("SELECT 1"));
                Assert.Equal("A stream from FetchStream is still open on this scope; finish or dispose it first.", ex.Message);
                await Assert.ThrowsAsync<InvalidOperationException>(async () => { await foreach (var _ in scope.FetchStreamAsync<int>("SELECT 1")) { } });
            }
        }
        else
        {
            foreach (var n in scope.FetchStream<int>(Numbers, new { count = 3 }))
            {
                var ex = Assert.Throws<InvalidOperationException>(() => scope.FetchAll<int>("SELECT 1"));
                Assert.Contains("A stream from FetchStream is still open on this scope", ex.Message, StringComparison.Ordinal);
                Assert.Throws<InvalidOperationException>(() => scope.BeginTransaction());
            }
        }
        Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task FetchStream_OnTheHelper_TemporaryScopeLivesExactlyAsLongAsTheEnumeration(bool async)
    {
        await using var helper = db.CreateHelper();

        // Given a stream on the helper outside any scope: nothing is held before enumeration starts
        var stream = helper.FetchStream<int>(Numbers, new { count = 1000 });
        var streamAsync = helper.FetchStreamAsync<int>(Numbers, new { count = 1000 });
        AssertNothingHeld(helper);

        // When it is read to the end, then held while reading
        var count = 0;
        if (async)
        {
            await foreach (var n in streamAsync)
            {
                if (count++ == 0)
                    Assert.Equal(1, helper.GetStatistics().HeldConnections);
            }
        }
        else
        {
            foreach (var n in stream)
            {
                if (count++ == 0)
                    Assert.Equal(1, helper.GetStatistics().HeldConnections);
            }
        }
        Assert.Equal(1000, count);
        AssertNothingHeld(helper);

        // Breaking out early releases it
        if (async)
        {
            await foreach (var n in helper.FetchStreamAsync<int>(Numbers, new { count = 100000 }))
                break;
        }
        else
        {
            foreach (var n in helper.FetchStream<int>(Numbers, new { count = 100000 }))
                break;
        }
        AssertNothingHeld(helper);

        // An exception in the consumer releases it
        await Assert.ThrowsAsync<ApplicationException>(async () =>
        {
            if (async)
            {
                await foreach (var n in helper.FetchStreamAsync<int>(Numbers, new { count = 10 }))
                    throw new ApplicationException("consumer failed");
            }
            else
            {
                foreach (var n in helper.FetchStream<int>(Numbers, new { count = 10 }))
                    throw new ApplicationException("consumer failed");
            }
        });
        AssertNothingHeld(helper);

        // Never enumerating (or disposing an enumerator that never moved) holds nothing
        _ = helper.FetchStream<int>("SELECT 1");
        helper.FetchStream<int>("SELECT 1").GetEnumerator().Dispose();
        await helper.FetchStreamAsync<int>("SELECT 1").GetAsyncEnumerator().DisposeAsync();
        AssertNothingHeld(helper);

        // A failing query releases it too
        await Assert.ThrowsAnyAsync<MySqlConnector.MySqlException>(async () =>
        {
            if (async)
                await foreach (var _ in helper.FetchStreamAsync<int>("SELECT * FROM no_such_table_here")) { }
            else
                foreach (var _ in helper.FetchStream<int>("SELECT * FROM no_such_table_here")) { }
        });
        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task FetchStreamAsync_HonoursWithCancellation_AndReleasesTheScope()
    {
        await using var helper = db.CreateHelper();
        using var cts = new CancellationTokenSource();
        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var n in helper.FetchStreamAsync<int>(Numbers, new { count = 1_000_000 }).WithCancellation(cts.Token))
            {
                if (++read == 10)
                    await cts.CancelAsync();
            }
        });
        Assert.Equal(10, read);
        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task FetchStream_GoesThroughTheStatementGuarantees()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();

        // the parameter check
        Assert.Throws<ArgumentException>(() => helper.FetchStream<int>(" "));
        Assert.Throws<ArgumentException>(() => helper.FetchStream<int>("SELECT @missing", new { other = 1 }).ToList());
        AssertNothingHeld(helper);

        // the scope's transaction: the stream sees the scope's uncommitted rows
        await using var scope = await helper.OpenAsync();
        await scope.BeginTransactionAsync();
        await scope.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1), (2)");
        var ids = new List<int>();
        await foreach (var id in helper.FetchStreamAsync<int>($"SELECT id FROM {table} ORDER BY id"))
            ids.Add(id);
        Assert.Equal([1, 2], ids);
        await scope.RollbackAsync();
    }

    [Fact]
    public async Task FetchStream_ConnectionKilled_ThrowsConnectionLostAndReleases()
    {
        await using var helper = db.CreateHelper();
        var scope = helper.Open();
        var id = scope.Connection.ServerThread;
        await db.KillAsync(id);
        var ex = Assert.Throws<SqlConnectionLostException>(() => scope.FetchStream<int>(Numbers, new { count = 10 }).ToList());
        Assert.Contains("was lost", ex.Message, StringComparison.Ordinal);
        scope.Dispose();
        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task FetchStream_OneMillionRows_KeepsTheManagedHeapFlat()
    {
        // Not a timed assertion: it prints what streaming and buffering cost for the report and checks the rows arrive.
        var version = await db.ScalarVersionAsync();
        var mariaDb = version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        var query = mariaDb
            ? "SELECT seq AS Id, CONCAT('row number ', seq) AS Name FROM seq_1_to_1000000"
            : "WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n AS Id, CONCAT('row number ', n) AS Name FROM s";
        await using var helper = db.CreateHelper(o => o.SessionInit = mariaDb ? [] : ["SET SESSION cte_max_recursion_depth = 2000000"]);

        var baseline = LiveHeap();
        long streamed = 0, streamPeak = 0;
        foreach (var row in helper.FetchStream<BigRow>(query))
        {
            if (++streamed % 100_000 == 0)
                streamPeak = Math.Max(streamPeak, LiveHeap() - baseline);
        }
        var streamWorkingSet = PeakWorkingSet();

        baseline = LiveHeap();
        var all = helper.FetchAll<BigRow>(query);
        var bufferedHeap = LiveHeap() - baseline;
        var bufferedWorkingSet = PeakWorkingSet();

        output.WriteLine($"FetchStream: {streamed:N0} rows; live managed heap at most {streamPeak / 1048576.0:F2} MB above the start (sampled every 100,000 rows); process peak working set {streamWorkingSet / 1048576:N0} MB");
        output.WriteLine($"FetchAll:    {all.Count:N0} rows; live managed heap {bufferedHeap / 1048576.0:F2} MB above the start once returned; process peak working set {bufferedWorkingSet / 1048576:N0} MB");
        Assert.Equal(1_000_000, streamed);
        Assert.Equal(1_000_000, all.Count);
        AssertNothingHeld(helper);
    }

    private static long LiveHeap() => GC.GetTotalMemory(forceFullCollection: true);

    private static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static void AssertNothingHeld(SqlHelper helper)
    {
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
    }

    private static async Task<List<T>> Collect<T>(IAsyncEnumerable<T>? asyncRows, IEnumerable<T>? rows)
    {
        if (rows is not null)
            return [.. rows];
        var list = new List<T>();
        await foreach (var row in asyncRows!)
            list.Add(row);
        return list;
    }

    private sealed record Row(int Id, string Name);

    private sealed class BigRow
    {
        public long Id { get; set; }

        public string Name { get; set; } = "";
    }
}
