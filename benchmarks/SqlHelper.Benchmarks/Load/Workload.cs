namespace SqlHelpers.Benchmarks.Load;

/// <summary>The fixed workload of issue #6: sysbench's <c>sbtest1</c> and its point select.</summary>
internal static class Workload
{
    /// <summary>The table every variant reads (sysbench's name, so <c>sysbench oltp_point_select</c> reads it too).</summary>
    public const string Table = "sbtest1";

    /// <summary>The number of rows; ids run from 1 to this.</summary>
    public const int Rows = 10_000;

    /// <summary>The one statement of an operation.</summary>
    public const string PointSelect = "SELECT c FROM sbtest1 WHERE id = @id";
}
