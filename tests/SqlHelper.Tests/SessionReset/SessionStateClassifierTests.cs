using SqlHelpers.Queries;

namespace SqlHelpers.Tests.SessionReset;

public sealed class SessionStateClassifierTests
{
    [Theory]
    [InlineData("SELECT c FROM sbtest1 WHERE id = @id", true)]
    [InlineData("select c, k from sbtest1 where id in @ids and k > @k", true)]
    [InlineData("UPDATE t SET n = n + 1, m = COALESCE(m, 0) WHERE id = @id", true)]
    [InlineData("DELETE FROM t WHERE id = @id", true)]
    [InlineData("SELECT COUNT(*), MAX(k), NOW() FROM t WHERE c LIKE CONCAT(@id, '%')", true)]
    [InlineData("SELECT '@not_a_var', `weird``name` FROM t", true)]
    [InlineData("SELECT LAST_INSERT_ID()", true)]
    [InlineData("SELECT @@session.time_zone", true)]
    [InlineData("SELECT 1; SELECT 2", true)]
    [InlineData("INSERT INTO t (id) VALUES (@id)", false)]
    [InlineData("SELECT @x", false)]
    [InlineData("SELECT LAST_INSERT_ID(5)", false)]
    [InlineData("SELECT my_func(@id)", false)]
    [InlineData("SELECT db.f(@id)", false)]
    [InlineData("SELECT c FROM t WHERE id = @id FOR UPDATE; SET @a = 1", false)]
    [InlineData("SELECT c INTO @v FROM t", false)]
    [InlineData("SELECT 1 -- comment", false)]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x", false)]
    [InlineData("SELECT NEXT VALUE FOR s", false)]
    public void Classifier_RecognisesOnlyPlainStatements(string sql, bool stateFree)
    {
        var names = new HashSet<string>(["id", "ids", "k"], StringComparer.OrdinalIgnoreCase);
        Assert.Equal(stateFree, SessionStateClassifier.IsStateFree(sql, names));
    }
}
