using MySqlConnector;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.UnitTests.Pooling;

/// <summary>The kept closed connection objects of one source generation: lock-free slots near the calling thread's place.</summary>
public sealed class ClosedConnectionsTests
{
    [Fact]
    public async Task Take_NothingKept_CreatesAConnectionOfTheGenerationsDataSource()
    {
        await using var dataSource = new MySqlDataSource(FakeDb.ConnectionString);
        var kept = new ClosedConnections(dataSource, capacity: 4);

        var first = kept.Take();
        var second = kept.Take();

        Assert.NotSame(first, second);
        Assert.Equal(System.Data.ConnectionState.Closed, first.State);
    }

    [Fact]
    public async Task Take_AfterKeep_ReturnsTheKeptObjectOnce()
    {
        await using var dataSource = new MySqlDataSource(FakeDb.ConnectionString);
        var kept = new ClosedConnections(dataSource, capacity: 4);
        var connection = kept.Take();

        Assert.True(kept.TryKeep(connection));

        Assert.Same(connection, kept.Take());
        Assert.NotSame(connection, kept.Take());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(100, 4)]
    public async Task TryKeep_NeighbourhoodFull_RefusesInsteadOfWaiting(int capacity, int keptAtMost)
    {
        // A thread looks at four slots from its own place: beyond that a closed object is disposed, never queued.
        await using var dataSource = new MySqlDataSource(FakeDb.ConnectionString);
        var kept = new ClosedConnections(dataSource, capacity);
        var connections = Enumerable.Range(0, keptAtMost + 1).Select(_ => new MySqlConnection()).ToList();

        var accepted = connections.Count(kept.TryKeep);

        Assert.Equal(keptAtMost, accepted);
    }

    [Fact]
    public void ThreadSlot_StartIndex_IsInRangeForEveryThreadId()
    {
        int[] lengths = [1, 2, 7, 16, 100, 1000];
        int[] ids = [0, 1, 2, 3, 17, 1000, int.MaxValue, -1];

        foreach (var length in lengths)
        {
            foreach (var id in ids)
                Assert.InRange(ThreadSlot.StartIndex(id, length), 0, length - 1);
        }
    }
}
