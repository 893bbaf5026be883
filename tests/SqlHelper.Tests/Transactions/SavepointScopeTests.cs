using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Transactions;

[Collection(DatabaseCollection.Name)]
public sealed class SavepointScopeTests(DatabaseFixture db)
{
    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_InnerFails_RollsBackOnlyTheInnerRows_OuterCommitKeepsTheRest(bool async)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();

        // Given an outer scope with a transaction and a row
        await using (var outer = await OpenAsync(helper, async))
        {
            await Begin(outer, async);
            await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (1)");

            // When a savepoint scope inserts a row and fails
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await using var nested = await OpenAsync(helper, async, ScopeOption.Nested);
                Assert.True(nested.IsJoined);
                Assert.True(nested.IsSavepoint);
                Assert.Same(outer.Transaction, nested.Transaction);
                await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (2)");
                throw new InvalidOperationException("boom");
            });

            // and a second one inserts a row and commits
            await using (var nested = await OpenAsync(helper, async, ScopeOption.Nested))
            {
                await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (3)");
                if (async)
                    await nested.CommitAsync();
                else
                    nested.Commit();
                Assert.NotNull(outer.Transaction);   // releasing the savepoint ends nothing of the outer transaction
            }
            Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));   // nothing committed yet
            await outer.CommitAsync();
        }

        // Then the outer commit keeps rows 1 and 3, and row 2 is gone
        Assert.Equal(4L, await db.ScalarAsync($"SELECT COALESCE(SUM(id), 0) FROM {table}"));
        Assert.Equal(2L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_TwoLevelsStacked_EachRollsBackToItsOwnSavepoint(bool async)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using (var outer = await OpenAsync(helper, async))
        {
            await Begin(outer, async);
            await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (1)");
            await using (var level1 = await OpenAsync(helper, async, ScopeOption.Nested))
            {
                await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (2)");
                await using (var level2 = await OpenAsync(helper, async, ScopeOption.Nested))
                {
                    Assert.Equal(3, level2.Depth);
                    await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (3)");
                    if (async)
                        await level2.RollbackAsync();
                    else
                        level2.Rollback();
                    Assert.Equal(2L, await level2.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
                }
                await using (var level2 = await OpenAsync(helper, async, ScopeOption.Nested))
                {
                    await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (4)");
                    level2.Commit();
                }
                level1.Commit();
            }
            await using (var level1 = await OpenAsync(helper, async, ScopeOption.Nested))
            {
                await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (5)");
                await using (var level2 = await OpenAsync(helper, async, ScopeOption.Nested))
                {
                    await Execute(helper, async, $"INSERT INTO {table} (id) VALUES (6)");
                    level2.Commit();
                }
            }                                                     // level 1 not committed: rows 5 and 6 go
            outer.Commit();
        }
        Assert.Equal("1,2,4", await helper.ExecuteScalarAsync<string>($"SELECT GROUP_CONCAT(id ORDER BY id) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_MisnestedDispose_NeverThrowsAndNeverCorruptsTheTransaction(bool async)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var outer = await OpenAsync(helper, async);
        await Begin(outer, async);
        outer.Execute($"INSERT INTO {table} (id) VALUES (1)");
        var first = await OpenAsync(helper, async, ScopeOption.Nested);
        first.Execute($"INSERT INTO {table} (id) VALUES (2)");
        var second = await OpenAsync(helper, async, ScopeOption.Nested);
        second.Execute($"INSERT INTO {table} (id) VALUES (3)");

        // When the first savepoint scope is disposed before the second (out of order)
        await Dispose(first, async);                      // rolls back to its savepoint, which takes the second's with it
        var secondCommit = Assert.Throws<InvalidOperationException>(second.Commit);
        Assert.Contains("enclosing savepoint scope ended first", secondCommit.Message, StringComparison.Ordinal);
        await Dispose(second, async);                     // nothing left to do; does not throw
        await Dispose(second, async);                     // twice is fine

        // Then the transaction is intact: the outer scope goes on and commits its own row
        outer.Execute($"INSERT INTO {table} (id) VALUES (4)");
        await outer.CommitAsync();
        await Dispose(outer, async);
        Assert.Equal("1,4", await helper.ExecuteScalarAsync<string>($"SELECT GROUP_CONCAT(id ORDER BY id) FROM {table}"));
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_ConnectionKilled_ClearErrorAndDisposeDoesNotThrow(bool async)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var outer = await OpenAsync(helper, async);
        await Begin(outer, async);
        outer.Execute($"INSERT INTO {table} (id) VALUES (1)");
        var nested = await OpenAsync(helper, async, ScopeOption.Nested);
        nested.Execute($"INSERT INTO {table} (id) VALUES (2)");

        // When the connection is killed under the savepoint scope
        await db.KillAsync(outer.Connection.ServerThread);

        // Then its next statement, its commit and a new savepoint scope fail with a clear error
        var lost = await Assert.ThrowsAsync<SqlConnectionLostException>(() => Execute(helper, async, $"INSERT INTO {table} (id) VALUES (3)"));
        Assert.Contains("was lost", lost.Message, StringComparison.Ordinal);
        Assert.Throws<SqlConnectionLostException>(nested.Commit);
        await Assert.ThrowsAsync<SqlConnectionLostException>(async () => await OpenAsync(helper, async, ScopeOption.Nested));

        // and disposing every scope throws nothing and leaves nothing held
        await Dispose(nested, async);
        await Dispose(outer, async);
        Assert.Equal(0L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_WithoutTransaction_ThrowsAClearErrorAndPushesNothing(bool async)
    {
        await using var helper = db.CreateHelper();
        await using var outer = await OpenAsync(helper, async);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await OpenAsync(helper, async, ScopeOption.Nested));
        Assert.Contains("needs a transaction in progress", ex.Message, StringComparison.Ordinal);
        Assert.Same(outer, helper.Current);
        Assert.Equal(1, helper.Depth);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Nested_WithoutCurrentScope_OpensANewScopeAsOpenDoes(bool async)
    {
        await using var helper = db.CreateHelper();
        await using var scope = await OpenAsync(helper, async, ScopeOption.Nested);
        Assert.False(scope.IsJoined);
        Assert.False(scope.IsSavepoint);
        Assert.Same(scope, helper.Current);
        Assert.Equal(1L, await scope.ExecuteScalarAsync<long>("SELECT 1"));
    }

    [Fact]
    public async Task Nested_CommitTwice_SecondSaysItIsAlreadyDone()
    {
        await using var helper = db.CreateHelper();
        using var outer = helper.Open();
        outer.BeginTransaction();
        using var nested = helper.Open(ScopeOption.Nested);
        nested.Commit();
        var ex = Assert.Throws<InvalidOperationException>(nested.Commit);
        Assert.Contains("already been committed or rolled back", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => nested.BeginTransaction());
    }

    // Not an async method: the scope must land on the caller's stack (an async method's AsyncLocal changes are undone when it returns).
    private static ValueTask<SqlScope> OpenAsync(SqlHelper helper, bool async, ScopeOption option = ScopeOption.RequiresNew) =>
        async ? helper.OpenAsync(option) : ValueTask.FromResult(helper.Open(option));

    private static async Task Begin(SqlScope scope, bool async)
    {
        if (async)
            await scope.BeginTransactionAsync();
        else
            scope.BeginTransaction();
    }

    private static async Task Execute(SqlHelper helper, bool async, string sql)
    {
        if (async)
            await helper.ExecuteAsync(sql);
        else
            helper.Execute(sql);
    }

    private static async Task Dispose(SqlScope scope, bool async)
    {
        if (async)
            await scope.DisposeAsync();
        else
            scope.Dispose();
    }
}
