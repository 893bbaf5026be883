namespace SqlHelpers.Tests.Pooling;

public sealed class OptionsValidationTests
{
    private const string Secret = "s3cret-Pa55";
    private const string Valid = "Server=127.0.0.1;Port=3306;User ID=u;Password=" + Secret + ";Database=d";

    public static TheoryData<Action<SqlHelperOptions>, string> BadOptions => new()
    {
        { o => o.MaxConnections = 0, nameof(SqlHelperOptions.MaxConnections) },
        { o => o.MaxConnections = -3, nameof(SqlHelperOptions.MaxConnections) },
        { o => { o.MaxConnections = 2; o.MinIdle = 3; }, nameof(SqlHelperOptions.MinIdle) },
        { o => o.MinIdle = -1, nameof(SqlHelperOptions.MinIdle) },
        { o => { o.MaxConnections = 4; o.ReservedForNested = 4; }, nameof(SqlHelperOptions.ReservedForNested) },
        { o => o.ReservedForNested = -1, nameof(SqlHelperOptions.ReservedForNested) },
        { o => o.AcquireTimeout = TimeSpan.FromSeconds(-1), nameof(SqlHelperOptions.AcquireTimeout) },
        { o => o.Mode = (ScopeMode) 42, nameof(SqlHelperOptions.Mode) },
        { o => o.SessionInit = ["SET @a = 1", " "], nameof(SqlHelperOptions.SessionInit) },
        { o => o.ConnectionString = "", nameof(SqlHelperOptions.ConnectionString) },
        { o => o.ConnectionString = Valid + ";NoSuchOption=1", nameof(SqlHelperOptions.ConnectionString) },
        { o => o.ConnectionString = Valid + ";Port=notaport", nameof(SqlHelperOptions.ConnectionString) },
        { o => o.ConnectionString = Valid + ";SslMode=sometimes", nameof(SqlHelperOptions.ConnectionString) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Constructor_BadOption_ThrowsArgumentExceptionNamingItWithoutThePassword(Action<SqlHelperOptions> configure, string option)
    {
        var options = new SqlHelperOptions { ConnectionString = Valid };
        configure(options);

        var ex = Assert.ThrowsAny<ArgumentException>(() => new SqlHelper(options));

        Assert.Equal(option, ex.ParamName);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MaxConnectionsOne_DefaultReserveIsValid()
    {
        using var helper = new SqlHelper(new SqlHelperOptions { ConnectionString = Valid, MaxConnections = 1 });
        Assert.Equal(1, helper.LimitFor(1));
        Assert.Equal(1, helper.LimitFor(2));
    }

    [Fact]
    public void LimitFor_ReservedForNested_LeavesOneConnectionFewerPerLevelUp()
    {
        using var helper = new SqlHelper(new SqlHelperOptions { ConnectionString = Valid, MaxConnections = 10, ReservedForNested = 2 });
        Assert.Equal(8, helper.LimitFor(1));
        Assert.Equal(9, helper.LimitFor(2));
        Assert.Equal(10, helper.LimitFor(3));
        Assert.Equal(10, helper.LimitFor(7));
    }

    [Fact]
    public void Options_AreCopied_ChangesAfterConstructionHaveNoEffect()
    {
        var options = new SqlHelperOptions { ConnectionString = Valid, MaxConnections = 5 };
        using var helper = new SqlHelper(options);
        options.MaxConnections = 50;
        Assert.Equal(5, helper.Options.MaxConnections);
        Assert.Equal(5, helper.GetStatistics().MaxConnections);
    }

    [Fact]
    public void PublicValidator_NamesTheBadReplicaOption_AndChangesNothing()
    {
        var replicas = new List<string> { "Server=127.0.0.1;Password=Secr3t-pw;Port=notanumber" };
        var options = new SqlHelperOptions { ConnectionString = "Server=127.0.0.1;Database=app;User ID=app;Password=Secr3t-pw", ReplicaConnectionStrings = replicas };

        var ex = Assert.Throws<ArgumentException>(() => SqlHelperOptionsValidator.Validate(options));

        Assert.Equal(nameof(SqlHelperOptions.ReplicaConnectionStrings), ex.ParamName);
        Assert.Contains("ReplicaConnectionStrings[0]", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3t-pw", ex.Message, StringComparison.Ordinal);
        Assert.Same(replicas, options.ReplicaConnectionStrings);
        Assert.Single(replicas);
    }
}
