using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Transactions;

[Collection(DatabaseCollection.Name)]
public sealed class SelfDeadlockTests(DatabaseFixture db)
{
    [Fact]
    public async Task NestedScopeWaitingOnItsOuterScopesRowLock_FailsFastWithSelfDeadlock()
    {
        await using var table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {table} (id, n) VALUES (1, 0)");
        // The admin user may read other sessions' lock waits (PROCESS).
        await using var helper = new SqlHelper(new SqlHelperOptions { ConnectionString = db.AdminConnectionString, SelfDeadlockDetectionDelay = TimeSpan.FromMilliseconds(200) });

        await using var outer = await helper.OpenAsync();
        await outer.BeginTransactionAsync();
        await outer.ExecuteAsync($"UPDATE {table} SET n = 1 WHERE id = 1");
        await using var inner = await helper.OpenAsync();

        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SqlSelfDeadlockException>(() => inner.ExecuteAsync($"UPDATE {table} SET n = 2 WHERE id = 1"));
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(outer.Connection.ServerThread, ex.BlockingConnectionId);
        Assert.Equal(inner.Connection.ServerThread, ex.WaitingConnectionId);
        Assert.Equal(1, ex.BlockingScopeDepth);
        Assert.Contains("enclosing scope at depth 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ScopeOption.Required", ex.Message, StringComparison.Ordinal);

        Assert.Equal(1L, await inner.ExecuteScalarAsync<long>("SELECT 1"));   // the inner scope stays usable
        await outer.CommitAsync();
        Assert.Equal(1L, await db.ScalarAsync($"SELECT n FROM {table} WHERE id = 1"));
    }

    [Fact]
    public async Task SynchronousCommand_SameDetection()
    {
        await using var table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {table} (id, n) VALUES (1, 0)");
        using var helper = new SqlHelper(new SqlHelperOptions { ConnectionString = db.AdminConnectionString, SelfDeadlockDetectionDelay = TimeSpan.FromMilliseconds(200) });
        using var outer = helper.Open();
        outer.BeginTransaction();
        outer.Execute($"UPDATE {table} SET n = 1 WHERE id = 1");
        using var inner = helper.Open();

        Assert.Throws<SqlSelfDeadlockException>(() => inner.FetchAll<int>($"SELECT n FROM {table} WHERE id = 1 FOR UPDATE"));
    }

    [Fact]
    public async Task WithoutPrivilegeToSeeLockWaits_LogsOnceAndFallsBackToTheServersTimeout()
    {
        await using var table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {table} (id, n) VALUES (1, 0)");
        var logs = new CapturingLoggerFactory();
        await using var helper = db.CreateHelper(o =>
        {
            o.LoggerFactory = logs;
            o.SelfDeadlockDetectionDelay = TimeSpan.FromMilliseconds(200);
            o.SessionInit = ["SET SESSION innodb_lock_wait_timeout = 2"];
        });
        await using var outer = await helper.OpenAsync();
        await outer.BeginTransactionAsync();
        await outer.ExecuteAsync($"UPDATE {table} SET n = 1 WHERE id = 1");
        await using var inner = await helper.OpenAsync();

        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<MySqlException>(() => inner.ExecuteAsync($"UPDATE {table} SET n = 2 WHERE id = 1"));
            Assert.Equal(MySqlErrorCode.LockWaitTimeout, ex.ErrorCode);
        }
        var off = logs.WithEventId(3000);
        Assert.Single(off);
        Assert.Contains("PROCESS", off[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnEnclosingTransaction_NoGuardIsStarted()
    {
        await using var helper = db.CreateHelper();
        await using var outer = await helper.OpenAsync();
        await using var inner = await helper.OpenAsync();
        Assert.Null(SqlHelpers.Transactions.SelfDeadlockGuard.TryStart(inner));
        await outer.BeginTransactionAsync();
        using var guard = SqlHelpers.Transactions.SelfDeadlockGuard.TryStart(inner);
        Assert.NotNull(guard);
    }
}
