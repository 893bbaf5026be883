using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Scopes;

/// <summary>
/// Every public method that has a sync and an async form, run both ways with the same expectations (one core path each,
/// so the two cannot drift; these tests say so from the outside).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SyncAsyncParityTests(DatabaseFixture db)
{
    public static TheoryData<bool> Ways => new() { false, true };

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task OpenAndDispose_PushAndPopTheStack_AndReturnTheConnection(bool useAsync)
    {
        await using var helper = db.CreateHelper();
        var outer = useAsync ? await helper.OpenAsync() : helper.Open();
        var inner = useAsync ? await helper.OpenAsync() : helper.Open();
        Assert.Same(inner, helper.Current);
        Assert.Equal(2, helper.GetStatistics().HeldConnections);

        if (useAsync)
            await inner.DisposeAsync();
        else
            inner.Dispose();
        Assert.Same(outer, helper.Current);
        if (useAsync)
            await outer.DisposeAsync();
        else
            outer.Dispose();

        Assert.Null(helper.Current);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ScopeQueries_ReturnTheSameResults(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var sql = $"INSERT INTO {table} (id, n) VALUES (@id, @n)";
        var inserted = useAsync ? await scope.ExecuteAsync(sql, new { id = 1, n = 10 }) : scope.Execute(sql, new { id = 1, n = 10 });
        Assert.Equal(1, inserted);

        var select = $"SELECT n FROM {table} WHERE id = @id";
        Assert.Equal([10], useAsync ? await scope.FetchAllAsync<int>(select, new { id = 1 }) : scope.FetchAll<int>(select, new { id = 1 }));
        Assert.Equal(10, useAsync ? await scope.FetchOneAsync<int>(select, new { id = 1 }) : scope.FetchOne<int>(select, new { id = 1 }));
        Assert.Equal(10L, useAsync ? await scope.ExecuteScalarAsync<long>(select, new { id = 1 }) : scope.ExecuteScalar<long>(select, new { id = 1 }));
        Assert.Null(useAsync ? await scope.FetchOneAsync<int?>(select, new { id = 2 }) : scope.FetchOne<int?>(select, new { id = 2 }));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task HelperQueriesOutsideAScope_UseAShortLivedScope_AndHoldNothingAfterwards(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var sql = $"INSERT INTO {table} (id, n) VALUES (@id, 5)";
        Assert.Equal(1, useAsync ? await helper.ExecuteAsync(sql, new { id = 1 }) : helper.Execute(sql, new { id = 1 }));
        var select = $"SELECT n FROM {table}";
        Assert.Equal([5], useAsync ? await helper.FetchAllAsync<int>(select) : helper.FetchAll<int>(select));
        Assert.Equal(5, useAsync ? await helper.FetchOneAsync<int>(select) : helper.FetchOne<int>(select));
        Assert.Equal(5, useAsync ? await helper.ExecuteScalarAsync<int>(select) : helper.ExecuteScalar<int>(select));
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(4L, stats.ScopesOpened);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Transactions_CommitKeeps_RollbackAndDisposeDiscard(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using (var scope = await helper.OpenAsync())
        {
            if (useAsync)
                await scope.BeginTransactionAsync();
            else
                scope.BeginTransaction();
            scope.Execute($"INSERT INTO {table} (id) VALUES (1)");
            if (useAsync)
                await scope.CommitAsync();
            else
                scope.Commit();

            if (useAsync)
                await scope.BeginTransactionAsync();
            else
                scope.BeginTransaction();
            scope.Execute($"INSERT INTO {table} (id) VALUES (2)");
            if (useAsync)
                await scope.RollbackAsync();
            else
                scope.Rollback();

            if (useAsync)
                await scope.BeginTransactionAsync();
            else
                scope.BeginTransaction();
            scope.Execute($"INSERT INTO {table} (id) VALUES (3)");
        }   // disposed with a transaction in progress: rolled back

        Assert.Equal(1L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task JoinedScopeThatBeganATransaction_IsRolledBackOnDispose_BeforeItsConnectionIsReused(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var outer = await helper.OpenAsync();
        var joined = useAsync ? await helper.OpenAsync(ScopeOption.Required) : helper.Open(ScopeOption.Required);
        Assert.True(joined.IsJoined);
        if (useAsync)
            await joined.BeginTransactionAsync();
        else
            joined.BeginTransaction();
        joined.Execute($"INSERT INTO {table} (id) VALUES (1)");
        if (useAsync)
            await joined.DisposeAsync();
        else
            joined.Dispose();

        Assert.Null(outer.Transaction);
        Assert.Equal(0L, await outer.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task InTransaction_CommitsTheBody_AndSeesItsScopeAsCurrent(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        var sql = $"INSERT INTO {table} (id) VALUES (1)";
        var result = useAsync
            ? await helper.InTransactionAsync(async scope => { Assert.Same(scope, helper.Current); return await helper.ExecuteAsync(sql); })
            : helper.InTransaction(scope => { Assert.Same(scope, helper.Current); return helper.Execute(sql); });
        Assert.Equal(1, result);
        Assert.Equal(1L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
        Assert.Null(helper.Current);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task WarmUpAndClearPool_OpenAndCloseIdleConnections(bool useAsync)
    {
        var baseline = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper(o => o.MinIdle = 2);
        if (useAsync)
            await helper.WarmUpAsync();
        else
            helper.WarmUp();
        await db.WaitForUserSessionsAsync(baseline + 2);

        if (useAsync)
            await helper.ClearPoolAsync();
        else
            helper.ClearPool();
        Assert.Equal(baseline, await db.WaitForUserSessionsAsync(baseline));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task OpenReadOnly_WithoutReplicas_UsesThePrimary_AndJoinsAWritingScope(bool useAsync)
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        await using var writer = await helper.OpenAsync();
        await writer.ExecuteAsync($"INSERT INTO {table} (id) VALUES (1)");
        var reader = useAsync ? await helper.OpenReadOnlyAsync() : helper.OpenReadOnly();
        Assert.True(reader.IsJoined);   // read your own writes
        Assert.Equal(1L, reader.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}"));
        if (useAsync)
            await reader.DisposeAsync();
        else
            reader.Dispose();
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task HelperDispose_FailsWaitingOpens_AndIsIdempotent(bool useAsync)
    {
        var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(30); });
        var held = helper.Open();
        var waiting = Flows.RunDetached(async () => await helper.OpenAsync());
        await Task.Delay(50);
        if (useAsync)
        {
            await helper.DisposeAsync();
            await helper.DisposeAsync();
        }
        else
        {
            helper.Dispose();
            helper.Dispose();
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        held.Dispose();
    }
}
