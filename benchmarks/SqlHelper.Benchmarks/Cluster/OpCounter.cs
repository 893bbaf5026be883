namespace SqlHelpers.Benchmarks.Cluster;

/// <summary>Hands out operation numbers shared by the writing flows; its value is how many were started.</summary>
internal sealed class OpCounter
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public long Next() => Interlocked.Increment(ref _value);
}
