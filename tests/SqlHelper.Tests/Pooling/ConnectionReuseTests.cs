using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Pooling;

/// <summary>
/// A scope's closed connection object is opened again for a later scope only when no code outside SqlHelper can hold it:
/// the session underneath is the driver's to reset as before, and an object the user saw is disposed with its scope.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConnectionReuseTests(DatabaseFixture db)
{
    [Theory]
    [InlineData(SessionResetPolicy.Always, false)]
    [InlineData(SessionResetPolicy.Always, true)]
    [InlineData(SessionResetPolicy.WhenDirty, false)]
    [InlineData(SessionResetPolicy.WhenDirty, true)]
    public async Task PlainScopes_OneAfterAnother_ReopenTheSameObject_WithTheSessionResetAsBefore(SessionResetPolicy policy, bool async)
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionReset = policy; });

        MySqlConnection first;
        await using (var scope = await Open(helper, async))
        {
            first = scope.Lease.Connection!;
            await Execute(scope, "SET @tenant = 7", async);
        }
        await using (var scope = await Open(helper, async))
        {
            Assert.Same(first, scope.Lease.Connection);
            Assert.Null(await Scalar<long?>(scope, "SELECT @tenant", async));
            Assert.Equal(1L, await Scalar<long>(scope, "SELECT 1", async));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionTheUserTook_IsDisposedWithItsScope_AndNeverReachesAnother(bool async)
    {
        await using var helper = db.CreateHelper(o => o.MaxConnections = 1);

        MySqlConnection taken;
        await using (var scope = await Open(helper, async))
            taken = scope.Connection;

        await AssertNextScopeGetsAnotherObject(helper, taken, async);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ScopeThatRanATransaction_DisposesItsObject(bool async)
    {
        await using var helper = db.CreateHelper(o => o.MaxConnections = 1);

        MySqlConnection used;
        await using (var scope = await Open(helper, async))
        {
            used = scope.Lease.Connection!;
            var transaction = async ? await scope.BeginTransactionAsync() : scope.BeginTransaction();
            await Execute(scope, "DO 1", async);
            if (async)
                await scope.CommitAsync();
            else
                scope.Commit();
            Assert.Null(transaction.Connection);
        }
        await AssertNextScopeGetsAnotherObject(helper, used, async);
    }

    [Fact]
    public async Task ScopeThatStreamedRows_DisposesItsObject()
    {
        await using var helper = db.CreateHelper(o => o.MaxConnections = 1);

        MySqlConnection used;
        await using (var scope = await helper.OpenAsync())
        {
            used = scope.Lease.Connection!;
            await foreach (var value in scope.FetchStreamAsync<long>("SELECT 1 UNION ALL SELECT 2"))
                Assert.True(value > 0);
        }
        await AssertNextScopeGetsAnotherObject(helper, used, async: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PoolClearedWhileAScopeWasOpen_ItsObjectIsNotReopened_AndTheNextScopeWorks(bool async)
    {
        await using var helper = db.CreateHelper(o => o.MaxConnections = 2);

        MySqlConnection beforeClear;
        await using (var scope = await Open(helper, async))
        {
            beforeClear = scope.Lease.Connection!;
            if (async)
                await helper.ClearPoolAsync();
            else
                helper.ClearPool();
        }
        await AssertNextScopeGetsAnotherObject(helper, beforeClear, async);
    }

    /// <summary>
    /// The next scope works on another object, and <paramref name="used"/> was disposed with its scope: a reference kept
    /// past the scope fails instead of running on someone else's session.
    /// </summary>
    private static async Task AssertNextScopeGetsAnotherObject(SqlHelper helper, MySqlConnection used, bool async)
    {
        await using (var scope = await Open(helper, async))
        {
            Assert.NotSame(used, scope.Lease.Connection);
            Assert.Equal(1L, await Scalar<long>(scope, "SELECT 1", async));
        }
        Assert.Throws<ObjectDisposedException>(() => used.Open());
    }

    private static async Task<SqlScope> Open(SqlHelper helper, bool async) => async ? await helper.OpenAsync() : helper.Open();

    private static async Task Execute(SqlScope scope, string sql, bool async)
    {
        if (async)
            await scope.ExecuteAsync(sql);
        else
            scope.Execute(sql);
    }

    private static async Task<T?> Scalar<T>(SqlScope scope, string sql, bool async) =>
        async ? await scope.ExecuteScalarAsync<T>(sql) : scope.ExecuteScalar<T>(sql);
}
