namespace SqlHelpers.Tests.Infrastructure;

/// <summary>Every test that needs the server joins this collection, so they share one server and do not run in parallel with each other.</summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "Database";
}
