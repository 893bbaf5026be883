using System.Data;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Transactions;

[Collection(DatabaseCollection.Name)]
public sealed class ScopeTransactionTests(DatabaseFixture db)
{
    [Fact]
    public async Task Transaction_EveryCommandOfTheScopeRunsInIt_WithNoExtraArgument()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();

        await using (var tx = await helper.OpenAsync())
        {
            await tx.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            Assert.NotNull(tx.Transaction);
            await tx.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");           // the scope's helpers
            await helper.ExecuteAsync($"INSERT INTO {table} (id) VALUES (2)");       // SqlHelper's helpers while Current
            tx.Command.CommandText = $"INSERT INTO {table} (id) VALUES (3)";         // the scope's own command
            await tx.Command.ExecuteNonQueryAsync();
            await using (var own = new MySqlCommand($"INSERT INTO {table} (id) VALUES (4)", tx.Connection))   // any command on its connection
                await own.ExecuteNonQueryAsync();

            Assert.Equal(4L, await tx.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
            Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));   // another connection sees nothing yet
            await tx.CommitAsync();
            Assert.Null(tx.Transaction);
        }
        Assert.Equal(4L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public async Task Dispose_WithUncommittedTransaction_RollsBack()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        using (var scope = helper.Open())
        {
            scope.BeginTransaction();
            scope.Execute($"INSERT INTO {table} (id) VALUES (1)");
        }
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task LeftByAnException_RollsBackAndReturnsTheConnection()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var scope = await helper.OpenAsync();
            await scope.BeginTransactionAsync();
            await scope.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");
            throw new InvalidOperationException("boom");
        });
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task Dispose_OutOfOrderOrOnAnotherFlow_StillRollsBack()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var outer = helper.Open();
        outer.BeginTransaction();
        outer.Execute($"INSERT INTO {table} (id) VALUES (1)");
        var inner = helper.Open();
        inner.BeginTransaction();
        inner.Execute($"INSERT INTO {table} (id) VALUES (2)");

        outer.Dispose();                              // out of order
        await Task.Run(() => inner.Dispose());        // on another flow

        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task NestedScopeByDefault_HasItsOwnConnectionAndTransaction()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        using var outer = helper.Open();
        outer.BeginTransaction();
        outer.Execute($"INSERT INTO {table} (id) VALUES (1)");

        using (var inner = helper.Open())
        {
            Assert.False(inner.IsJoined);
            Assert.Null(inner.Transaction);
            Assert.Equal(0L, inner.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}"));   // does not see outer's uncommitted row
            inner.BeginTransaction();
            inner.Execute($"INSERT INTO {table} (id) VALUES (2)");
            inner.Commit();                                                                   // commits only its own work
        }
        Assert.Equal(1L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        outer.Rollback();
        Assert.Equal(1L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(2L, outer.ExecuteScalar<long>($"SELECT MAX(id) FROM {table}"));
    }

    [Fact]
    public async Task NestedScopeRequired_JoinsTheEnclosingConnectionAndTransaction()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var outer = await helper.OpenAsync();
        await outer.BeginTransactionAsync();
        await outer.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");
        var held = helper.GetStatistics().HeldConnections;

        await using (var joined = await helper.OpenAsync(ScopeOption.Required))
        {
            Assert.True(joined.IsJoined);
            Assert.Same(joined, helper.Current);
            Assert.Equal(2, joined.Depth);
            Assert.Same(outer.Connection, joined.Connection);
            Assert.Same(outer.Transaction, joined.Transaction);
            Assert.Equal(held, helper.GetStatistics().HeldConnections);                       // no new connection taken
            Assert.Equal(1L, await helper.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));   // sees the uncommitted row
            await joined.ExecuteAsync($"INSERT INTO {table} (id) VALUES (2)");
            Assert.Throws<InvalidOperationException>(() => joined.Commit());
            Assert.Throws<InvalidOperationException>(() => joined.BeginTransaction());
        }
        Assert.Same(outer, helper.Current);
        Assert.NotNull(outer.Transaction);                                                   // disposing the joined scope ended nothing
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        await outer.CommitAsync();
        Assert.Equal(2L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Fact]
    public void RequiredWithoutCurrent_TakesItsOwnConnection()
    {
        using var helper = db.CreateHelper();
        using var scope = helper.Open(ScopeOption.Required);
        Assert.False(scope.IsJoined);
        Assert.Equal(1, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public void JoinedScope_AfterTheScopeItJoinedIsDisposed_ThrowsObjectDisposed()
    {
        using var helper = db.CreateHelper();
        var outer = helper.Open();
        using var joined = helper.Open(ScopeOption.Required);
        outer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => joined.Execute("SELECT 1"));
        Assert.Equal(1, helper.GetStatistics().MisnestedDisposals);
    }

    [Fact]
    public void CommitWithoutTransaction_ThrowsAClearError()
    {
        using var helper = db.CreateHelper();
        using var scope = helper.Open();
        var ex = Assert.Throws<InvalidOperationException>(() => scope.Commit());
        Assert.Contains("BeginTransaction", ex.Message, StringComparison.Ordinal);
        scope.BeginTransaction();
        Assert.Throws<InvalidOperationException>(() => scope.BeginTransaction());
    }
}
