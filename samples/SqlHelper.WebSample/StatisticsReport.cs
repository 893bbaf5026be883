namespace SqlHelpers.WebSample;

/// <summary>The helper's counters that <c>GET /stats</c> shows.</summary>
internal sealed record StatisticsReport(int OpenScopes, int PeakOpenScopes, int HeldConnections, int MaxConnections, long ScopesOpened, long AcquireWaits, long PoolExhaustions, long MisnestedDisposals)
{
    public static StatisticsReport From(SqlHelperStatistics s) =>
        new(s.OpenScopes, s.PeakOpenScopes, s.HeldConnections, s.MaxConnections, s.ScopesOpened, s.AcquireWaits, s.PoolExhaustions, s.MisnestedDisposals);
}
