using System.Data;
using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Transactions;

[Collection(DatabaseCollection.Name)]
public sealed class InTransactionTests(DatabaseFixture db)
{
    [Fact]
    public async Task InTransactionAsync_RealDeadlock_RollsBackAndRetriesUntilItCommits()
    {
        await using var table = await db.CreateTableAsync();
        await db.ExecuteAdminAsync($"INSERT INTO {table} (id, n) SELECT seq, 0 FROM seq_1_to_200");
        await using var helper = db.CreateHelper();
        var attempts = 0;

        await helper.InTransactionAsync(async scope =>
        {
            attempts++;
            Assert.Same(scope, helper.Current);
            await helper.ExecuteAsync($"UPDATE {table} SET n = n + 1 WHERE id = 1");     // runs in scope's transaction
            if (attempts == 1)
            {
                // Given a heavier transaction on another connection that holds row 2 and now waits for our row 1...
                await using var other = new MySqlConnection(db.ConnectionString + ";Pooling=false");
                await other.OpenAsync();
                await using var otherTx = await other.BeginTransactionAsync();
                await new MySqlCommand($"UPDATE {table} SET n = n + 100 WHERE id >= 2", other, otherTx).ExecuteNonQueryAsync();
                var blocked = new MySqlCommand($"UPDATE {table} SET n = n + 100 WHERE id = 1", other, otherTx).ExecuteNonQueryAsync();
                await Task.Delay(300);
                try
                {
                    // ...when we take row 2, InnoDB sees the cycle and picks us (the lighter one) as the victim.
                    await scope.ExecuteAsync($"UPDATE {table} SET n = n + 1 WHERE id = 2");
                }
                finally
                {
                    await blocked;
                    await otherTx.RollbackAsync();
                }
            }
            else
            {
                await scope.ExecuteAsync($"UPDATE {table} SET n = n + 1 WHERE id = 2");
            }
        }, IsolationLevel.RepeatableRead, maxRetries: 3);

        Assert.Equal(2, attempts);
        Assert.Equal(1L, await db.ScalarAsync($"SELECT n FROM {table} WHERE id = 1"));
        Assert.Equal(1L, await db.ScalarAsync($"SELECT n FROM {table} WHERE id = 2"));
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task InTransactionAsync_RetriesExhausted_RethrowsTheLastError()
    {
        await using var helper = db.CreateHelper();
        var attempts = 0;
        var ex = await Assert.ThrowsAsync<MySqlException>(() => helper.InTransactionAsync(scope =>
        {
            attempts++;
            // The server raises error 1213, as a real deadlock would.
            return scope.ExecuteAsync($"SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'simulated deadlock {attempts}'");
        }, maxRetries: 2));
        Assert.Equal(3, attempts);
        Assert.Equal("simulated deadlock 3", ex.Message);
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task InTransaction_Sync_CommitsOrRollsBackOnOtherErrorsWithoutRetry()
    {
        await using var table = await db.CreateTableAsync();
        using var helper = db.CreateHelper();

        var id = helper.InTransaction(scope =>
        {
            scope.Execute($"INSERT INTO {table} (id) VALUES (1)");
            return 1;
        });
        Assert.Equal(1, id);

        var attempts = 0;
        Assert.Throws<MySqlException>(() => helper.InTransaction(scope =>
        {
            attempts++;
            scope.Execute($"INSERT INTO {table} (id) VALUES (2)");
            scope.Execute($"INSERT INTO {table} (id) VALUES (1)");   // duplicate key: not retried
        }));
        Assert.Equal(1, attempts);
        Assert.Equal(1L, await db.ScalarAsync($"SELECT COUNT(*) FROM {table}"));
    }
}
