using SqlHelpers.Queries;
using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>What a <see cref="ScopePool"/> takes from the helper's options, resolved once per pool.</summary>
internal sealed class ScopePoolSettings
{
    public required int MaxConnections { get; init; }

    public required int ReservedForNested { get; init; }

    public required bool Blocking { get; init; }

    public required TimeSpan AcquireTimeout { get; init; }

    public required SessionResetPolicy SessionReset { get; init; }

    public required TimeSpan PingAfterIdle { get; init; }

    public required ParameterCheck ParameterCheck { get; init; }

    public required bool RewriteBatchedInserts { get; init; }

    public required StatementAnalyzer Statements { get; init; }

    public required Clock Clock { get; init; }
}
