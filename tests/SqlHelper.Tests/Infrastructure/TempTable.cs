namespace SqlHelpers.Tests.Infrastructure;

/// <summary>A table made for one test; disposing drops it.</summary>
public sealed class TempTable(DatabaseFixture fixture, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    public override string ToString() => Name;

    public async ValueTask DisposeAsync() => await fixture.ExecuteAdminAsync($"DROP TABLE IF EXISTS {Name}");
}
