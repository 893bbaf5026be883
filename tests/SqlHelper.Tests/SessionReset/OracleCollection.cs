namespace SqlHelpers.Tests.SessionReset;

/// <summary>
/// The tests that run generated or odd statements on the oracle's own server (<see cref="OracleServerFixture"/>), never on
/// the shared one: a statement that crashes the server takes only this collection's server down. They run alone, after the
/// other collections, so the oracle's time budget is not shared with other tests on a small machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OracleCollection : ICollectionFixture<OracleServerFixture>
{
    public const string Name = "Oracle";
}
