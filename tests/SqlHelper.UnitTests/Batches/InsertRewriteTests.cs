using SqlHelpers.Batches;

namespace SqlHelpers.UnitTests.Batches;

public sealed class InsertRewriteTests
{
    [Theory]
    [InlineData("INSERT INTO t (a, b) VALUES (@a, @b)", "INSERT INTO t (a, b) VALUES", "(@a, @b)")]
    [InlineData("insert ignore into db.`t x` values (@a, NOW(), 'it''s @b', @@sql_mode);", "insert ignore into db.`t x` values", "(@a, NOW(), 'it''s @b', @@sql_mode)")]
    [InlineData("REPLACE t VALUE (@Id, CONCAT(@Name, 'x'))", "REPLACE t VALUE", "(@Id, CONCAT(@Name, 'x'))")]
    [InlineData("INSERT LOW_PRIORITY INTO t VALUES (@a)\n", "INSERT LOW_PRIORITY INTO t VALUES", "(@a)")]
    public void TryParse_SingleRowInsert_SplitsPrefixAndRow(string sql, string prefix, string row)
    {
        var shape = InsertRewrite.TryParse(sql);
        Assert.NotNull(shape);
        Assert.Equal(prefix, shape.Prefix);
        Assert.Equal(row, shape.Row);
    }

    [Theory]
    [InlineData("INSERT INTO t (a) VALUES (@a)", true)]
    [InlineData("INSERT LOW_PRIORITY INTO t (a) VALUES (@a)", true)]
    [InlineData("insert t value (@a)", true)]
    [InlineData("INSERT IGNORE INTO t (a) VALUES (@a)", false)]
    [InlineData("INSERT DELAYED INTO t (a) VALUES (@a)", false)]
    [InlineData("REPLACE INTO t (a) VALUES (@a)", false)]
    public void TryParse_OnlyAPlainInsert_AffectsOneRowEach(string sql, bool plain) => Assert.Equal(plain, InsertRewrite.TryParse(sql)!.AffectsOneRowEach);

    [Fact]
    public void TryParse_Parameters_AreFoundOutsideStringsOnly()
    {
        var shape = InsertRewrite.TryParse("INSERT INTO t VALUES (@a, '@b', @c.d, @@x)")!;
        Assert.Equal(["a", "c.d"], shape.Parameters.Select(static p => p.Name));
        Assert.Equal("@a", shape.Row.Substring(shape.Parameters[0].Offset, shape.Parameters[0].Length));
    }

    [Theory]
    [InlineData("INSERT INTO t (a) VALUES (@a) ON DUPLICATE KEY UPDATE a = @a")]
    [InlineData("INSERT INTO t (a) VALUES (@a) AS new ON DUPLICATE KEY UPDATE a = new.a")]
    [InlineData("INSERT INTO t (a) SELECT @a")]
    [InlineData("INSERT INTO t (a) VALUES ((SELECT MAX(a) FROM u))")]
    [InlineData("INSERT INTO t (a) VALUES (@a) RETURNING id")]
    [InlineData("INSERT INTO t SET a = @a")]
    [InlineData("INSERT INTO t (a) VALUES (@a); SELECT LAST_INSERT_ID()")]
    [InlineData("INSERT INTO t (a) VALUES (@a); INSERT INTO u (a) VALUES (@a)")]
    [InlineData("INSERT INTO t (a, b) VALUES (@a, LAST_INSERT_ID())")]
    [InlineData("INSERT INTO t (a) VALUES (@a), (@b)")]
    [InlineData("INSERT INTO t (a) VALUES (@a) -- comment")]
    [InlineData("INSERT /* hint */ INTO t (a) VALUES (@a)")]
    [InlineData("INSERT INTO t (a) VALUES (?)")]
    [InlineData("INSERT INTO t (a) VALUES (@x := @x + 1)")]
    [InlineData("INSERT INTO t (a) VALUES ('a\\'b')")]
    [InlineData("INSERT INTO t (a) VALUES ('unclosed)")]
    [InlineData("INSERT INTO t PARTITION (p0) (a) VALUES (@a)")]
    [InlineData("UPDATE t SET a = @a WHERE id = @id")]
    [InlineData("DELETE FROM t WHERE id = @id")]
    [InlineData("INSERT INTO t (a) VALUES (@a)\u00a0")]
    public void TryParse_AnythingElse_IsNotRewritten(string sql) => Assert.Null(InsertRewrite.TryParse(sql));
}
