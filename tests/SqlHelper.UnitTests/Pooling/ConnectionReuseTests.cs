namespace SqlHelpers.UnitTests.Pooling;

/// <summary>
/// A released connection's object is kept for the next open only when nothing outside SqlHelper can hold it and nothing
/// still runs on it: the pool passes the source generation it came from, or closes it for good.
/// </summary>
public sealed class ConnectionReuseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_PlainScope_ReturnsTheObjectForReuseInItsGeneration(bool async)
    {
        await using var db = FakeDb.Create();

        await OpenAndDispose(db.Helper, async);

        Assert.Equal(1, db.Source.Closes);
        Assert.Equal(1, db.Source.KeptForReuse);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_AfterTheUserTookTheConnection_ClosesItForGood(bool async)
    {
        await using var db = FakeDb.Create();

        var scope = await Open(db.Helper, async);
        _ = scope.Connection;
        await ScopeDisposal.Dispose(scope, async);

        Assert.Equal(1, db.Source.Closes);
        Assert.Equal(0, db.Source.KeptForReuse);
    }

    [Fact]
    public async Task Release_AfterTheUserTookTheCommand_ClosesItForGood()
    {
        await using var db = FakeDb.Create();

        using (var scope = db.Helper.Open())
            _ = scope.Command;   // the command's Connection is the scope's

        Assert.Equal(0, db.Source.KeptForReuse);
    }

    [Fact]
    public async Task Release_WhileAStatementIsStillCountedIn_ClosesItForGood()
    {
        // Another flow disposes the scope while a statement runs on its connection: the object must not reach a second scope
        // while the statement may still send on it.
        await using var db = FakeDb.Create();
        var scope = db.Helper.Open();
        scope.Lease.EnterStatement();

        scope.Dispose();
        scope.Lease.ExitStatement();

        Assert.Equal(1, db.Source.Closes);
        Assert.Equal(0, db.Source.KeptForReuse);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_AfterThePoolWasClearedWhileTheScopeWasOpen_ClosesItForGood(bool async)
    {
        // The object came from the data source the clear disposed: reopening it would take a session from a dead pool.
        await using var db = FakeDb.Create();

        var scope = await Open(db.Helper, async);
        if (async)
            await db.Helper.ClearPoolAsync();
        else
            db.Helper.ClearPool();
        await ScopeDisposal.Dispose(scope, async);
        await OpenAndDispose(db.Helper, async);

        Assert.Equal(2, db.Source.Closes);
        Assert.Equal(1, db.Source.KeptForReuse);   // only the scope opened after the clear
    }

    [Fact]
    public async Task Release_ScopeThatJoinedAnother_LeavesTheObjectToItsOwner()
    {
        await using var db = FakeDb.Create();

        using (db.Helper.Open())
        {
            using (db.Helper.Open(ScopeOption.Required))
            {
            }
            Assert.Equal(0, db.Source.Closes);
        }

        Assert.Equal(1, db.Source.KeptForReuse);
    }

    private static async Task OpenAndDispose(SqlHelper db, bool async) => await ScopeDisposal.Dispose(await Open(db, async), async);

    private static async Task<SqlScope> Open(SqlHelper db, bool async) => async ? await db.OpenAsync() : db.Open();
}
