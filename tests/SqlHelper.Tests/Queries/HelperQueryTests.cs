using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Queries;

[Collection(DatabaseCollection.Name)]
public sealed class HelperQueryTests(DatabaseFixture db)
{
    public sealed record Row(int Id, int N, string? Name);

    [Fact]
    public async Task SeedExample_ExecuteFetchAllFetchOne_RunOnTheInnermostScope()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = new SqlHelper(new SqlHelperOptions { ConnectionString = db.ConnectionString, MaxConnections = 20 });
        helper.Execute($"INSERT INTO {table} (id, n, name) VALUES (1, 0, 'one'), (2, 0, 'two')");

        using (var c1 = helper.Open())
        {
            Assert.Equal(1, c1.Execute($"UPDATE {table} SET n = n + 1 WHERE id = @id", new { id = 1 }));
            using (var c2 = helper.Open())
            {
                var rows = c2.FetchAll<Row>($"SELECT id, n, name FROM {table} WHERE id > @id ORDER BY id", new { id = 0 });
                Assert.Equal([new Row(1, 1, "one"), new Row(2, 0, "two")], rows);
                Assert.Equal(2L, helper.FetchOne<long>($"SELECT COUNT(*) FROM {table}"));
            }
        }
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
    }

    [Fact]
    public async Task FetchOne_NoRow_ReturnsDefault()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        Assert.Null(helper.FetchOne<Row>($"SELECT id, n, name FROM {table} WHERE id = @id", new { id = 9 }));
        Assert.Equal(0, helper.FetchOne<int>($"SELECT n FROM {table} WHERE id = @id", new { id = 9 }));
        Assert.Null(await helper.FetchOneAsync<Row>($"SELECT id, n, name FROM {table}"));
    }

    [Fact]
    public async Task AsyncHelpers_WithoutCurrent_UseAShortLivedScopeAndReleaseIt()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        Assert.Equal(1, await helper.ExecuteAsync($"INSERT INTO {table} (id, name) VALUES (@id, @name)", new { id = 5, name = "five" }));
        Assert.Equal("five", await helper.ExecuteScalarAsync<string>($"SELECT name FROM {table} WHERE id = 5"));
        Assert.Single(await helper.FetchAllAsync<Row>($"SELECT id, n, name FROM {table}"));
        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(3, stats.ScopesOpened);
        Assert.Null(helper.Current);
    }

    [Fact]
    public async Task AsyncHelpers_WithCurrent_RunOnCurrentsConnection()
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        await scope.ExecuteAsync("SET @marker = 7");
        Assert.Equal(7L, await helper.ExecuteScalarAsync<long>("SELECT @marker"));
        Assert.Equal([7L], await helper.FetchAllAsync<long>("SELECT @marker"));
        Assert.Equal(1, helper.GetStatistics().ScopesOpened);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Helpers_BlankSql_ThrowArgumentExceptionBeforeAnyIo(string? sql)
    {
        await using var helper = db.CreateHelper();
        Assert.ThrowsAny<ArgumentException>(() => helper.Execute(sql!));
        Assert.ThrowsAny<ArgumentException>(() => helper.FetchAll<int>(sql!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => helper.FetchOneAsync<int>(sql!));
        using var scope = helper.Open();
        Assert.ThrowsAny<ArgumentException>(() => scope.ExecuteScalar<int>(sql!));
        Assert.Equal(1, helper.GetStatistics().ScopesOpened);
    }
}
