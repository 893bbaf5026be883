namespace SqlHelpers.UnitTests.Queries;

/// <summary>
/// The helper's query methods with bad SQL text: the synchronous ones throw, the asynchronous ones return a faulted task
/// (never throw before returning one), whether a scope is current or not, and nothing is opened or sent.
/// </summary>
public sealed class HelperQueryArgumentTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FetchOneAsync_BlankSql_ReturnsAFaultedTaskAndTakesNoConnection(bool withCurrentScope)
    {
        await using var db = FakeDb.Create();
        await using var scope = withCurrentScope ? await db.Helper.OpenAsync() : null;
        var opens = db.Source.Opens;

        var task = db.Helper.FetchOneAsync<string>("  ");

        await Assert.ThrowsAsync<ArgumentException>(() => task);
        Assert.Equal(opens, db.Source.Opens);
        Assert.Same(scope, db.Helper.Current);
        Assert.Equal(withCurrentScope ? 1 : 0, db.Stats.HeldConnections);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Execute_BlankSql_ThrowsAndTakesNoConnection(bool withCurrentScope)
    {
        await using var db = FakeDb.Create();
        await using var scope = withCurrentScope ? await db.Helper.OpenAsync() : null;
        var opens = db.Source.Opens;

        Assert.Throws<ArgumentException>(() => db.Helper.Execute(""));
        Assert.Throws<ArgumentNullException>(() => db.Helper.FetchAll<int>(null!));

        Assert.Equal(opens, db.Source.Opens);
        Assert.Same(scope, db.Helper.Current);
    }
}
