using SqlHelpers.UnitTests.Fakes;

namespace SqlHelpers.UnitTests;

/// <summary>A <see cref="SqlHelper"/> over a <see cref="FakeConnectionSource"/> and a <see cref="TestTimeProvider"/>: no server, no real time.</summary>
internal sealed class FakeDb : IAsyncDisposable
{
    public const string ConnectionString = "Server=fake;Database=db;User ID=u;Password=p";

    private FakeDb(SqlHelper helper, FakeConnectionSource source, TestTimeProvider time)
    {
        Helper = helper;
        Source = source;
        Time = time;
    }

    public SqlHelper Helper { get; }

    public FakeConnectionSource Source { get; }

    public TestTimeProvider Time { get; }

    public SqlHelperStatistics Stats => Helper.GetStatistics();

    /// <summary>Builds a helper through its internal constructor, with every pool's source the one fake.</summary>
    public static FakeDb Create(Action<SqlHelperOptions>? configure = null)
    {
        var time = new TestTimeProvider();
        var source = new FakeConnectionSource();
        var options = new SqlHelperOptions
        {
            ConnectionString = ConnectionString,
            TimeProvider = time,
            SelfDeadlockDetectionDelay = Timeout.InfiniteTimeSpan,
        };
        configure?.Invoke(options);
        var helper = new SqlHelper(options, SqlHelperOptionsValidator.ThrowIfInvalid(options), (_, _, _, _) => source);
        return new FakeDb(helper, source, time);
    }

    /// <summary>
    /// Waits until <paramref name="count"/> opens are queued at the primary's admission gate: from then on, advancing fake
    /// time counts against their acquire timeout.
    /// </summary>
    public async Task WaitForQueuedAsync(int count)
    {
        var gate = Helper.PrimaryPool.Gate;
        var deadline = DateTime.UtcNow + TestTime.SafetyNet;
        while (gate.Waiting < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} opens queued: the open did not wait.");
            await Task.Delay(1);
        }
    }

    public ValueTask DisposeAsync() => Helper.DisposeAsync();
}
