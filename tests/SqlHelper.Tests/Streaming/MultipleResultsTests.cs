using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Streaming;

[Collection(DatabaseCollection.Name)]
public sealed class MultipleResultsTests(DatabaseFixture db)
{
    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task FetchMultiple_OnAScope_ReadsEachSet_AndBlocksOtherStatementsUntilDone(bool async)
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        using (var grid = async ? await scope.FetchMultipleAsync("SELECT 1; SELECT 2 UNION ALL SELECT 3") : scope.FetchMultiple("SELECT 1; SELECT 2 UNION ALL SELECT 3"))
        {
            Assert.Equal(1L, grid.ReadSingle<long>());
            var ex = Assert.Throws<InvalidOperationException>(() => scope.Execute("SELECT 1"));
            Assert.Contains("The result sets of FetchMultiple are still open on this scope", ex.Message, StringComparison.Ordinal);
            Assert.Equal([2L, 3L], async ? await grid.ReadAsync<long>() : grid.Read<long>());
        }
        Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));

        // Disposed before every set was read: the scope is free again
        var partly = scope.FetchMultiple("SELECT 1; SELECT 2");
        Assert.Equal(1L, partly.ReadFirst<long>());
        partly.Dispose();
        Assert.Equal(5L, scope.ExecuteScalar<long>("SELECT 5"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task FetchMultiple_OnTheHelper_TemporaryScopeIsReleasedWithTheReader(bool async)
    {
        await using var helper = db.CreateHelper();
        var grid = async ? await helper.FetchMultipleAsync("SELECT 1; SELECT 2") : helper.FetchMultiple("SELECT 1; SELECT 2");
        Assert.Equal(1, helper.GetStatistics().HeldConnections);
        Assert.Equal(1L, grid.ReadFirst<long>());
        grid.Dispose();
        AssertNothingHeld(helper);

        // read to the end, never disposed: released when the last set is read
        var all = helper.FetchMultiple("SELECT 1; SELECT 2");
        all.Read<long>();
        all.Read<long>();
        AssertNothingHeld(helper);

        // a failing batch holds nothing
        await Assert.ThrowsAnyAsync<MySqlConnector.MySqlException>(async () => await helper.FetchMultipleAsync("SELECT * FROM no_such_table_here"));
        AssertNothingHeld(helper);
    }

    [Fact]
    public async Task FetchMultiple_LeftOpen_IsDisposedWithTheScope()
    {
        await using var helper = db.CreateHelper();
        var scope = helper.Open();
        var grid = scope.FetchMultiple("SELECT 1; SELECT 2");
        scope.Dispose();
        Assert.Null(grid.Command);   // Dapper's sign that the grid was disposed
        AssertNothingHeld(helper);
    }

    private static void AssertNothingHeld(SqlHelper helper)
    {
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
    }
}
