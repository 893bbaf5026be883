using MySqlConnector;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Queries;

[Collection(DatabaseCollection.Name)]
public sealed class BadInputTests(DatabaseFixture db)
{
    [Fact]
    public async Task ParameterObjectMissingAParameter_ThrowsBeforeAnyIoNamingIt()
    {
        await using var table = await db.CreateTableAsync();
        await using var helper = db.CreateHelper();
        using var scope = helper.Open();

        var ex = Assert.Throws<ArgumentException>(() => scope.Execute($"INSERT INTO {table} (id, name) VALUES (@id, @name)", new { id = 1 }));
        Assert.Contains("@name", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => helper.FetchAllAsync<int>($"SELECT id FROM {table} WHERE id = @ID AND n = @n", new { id = 1 }));
        Assert.Equal(0L, scope.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}"));   // nothing was sent; the scope stays usable
    }

    [Fact]
    public async Task SessionVariables_AssignedInTheSqlOrSessionInit_AreNotMistakenForMissingParameters()
    {
        await using var helper = db.CreateHelper(o => o.SessionInit = ["SET @tenant = 42"]);
        using var scope = helper.Open();
        Assert.Equal(43L, scope.ExecuteScalar<long>("SELECT @tenant + @one", new { one = 1 }));
        Assert.Equal(7L, scope.ExecuteScalar<long>("SET @x := @v; SELECT @x", new { v = 7 }));
        Assert.Equal(3L, scope.ExecuteScalar<long>("SELECT LENGTH('@notaparam') - 10 + @@session.autocommit + @two /* @nor_this */", new { two = 2 }));
    }

    [Fact]
    public async Task SyntaxError_CarriesTheServersMessage_AndTheScopeStaysUsable()
    {
        await using var helper = db.CreateHelper();
        using var scope = helper.Open();
        var ex = Assert.Throws<MySqlException>(() => scope.Execute("SELEC 1"));
        Assert.Equal(MySqlErrorCode.ParseError, ex.ErrorCode);
        Assert.Contains("SELEC", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1L, scope.ExecuteScalar<long>("SELECT 1"));
    }

    [Fact]
    public async Task HostileStrings_RoundTripAsParametersUnchanged_AndTheTableStaysIntact()
    {
        await using var table = await db.CreateTableAsync("id INT PRIMARY KEY, name VARCHAR(300) CHARACTER SET utf8mb4 NOT NULL");
        await using var helper = db.CreateHelper();
        string[] corpus =
        [
            "O'Reilly", "\"double\"", "back\\slash", "trailing\\", "-- comment", "/* block */", "# hash",
            $"'; DROP TABLE {table}; --", "1; DELETE FROM x", "\0nul\0byte", "emoji 😀 𝄞", "@notaparam", "?", "`tick`",
            "\r\n\t", "' OR '1'='1", "%_like_%", "\u2028\u2029", new string('x', 300),
        ];
        for (var i = 0; i < corpus.Length; i++)
            await helper.ExecuteAsync($"INSERT INTO {table} (id, name) VALUES (@id, @name)", new { id = i, name = corpus[i] });

        for (var i = 0; i < corpus.Length; i++)
            Assert.Equal(corpus[i], await helper.FetchOneAsync<string>($"SELECT name FROM {table} WHERE id = @id", new { id = i }));
        Assert.Equal(corpus.Length, await helper.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE name = @name OR id >= 0", new { name = corpus[7] }));
    }

    [Fact]
    public async Task CallsOnADisposedHelper_ThrowObjectDisposed()
    {
        var helper = db.CreateHelper();
        await helper.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => helper.Open());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await helper.OpenAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => helper.ExecuteAsync("SELECT 1"));
        Assert.Throws<ObjectDisposedException>(() => helper.ClearPool());
    }
}
