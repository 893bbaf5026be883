namespace SqlHelpers.Benchmarks.Load;

/// <summary>The few statistics the report needs.</summary>
internal static class Statistics
{
    /// <summary>The <paramref name="fraction"/> quantile, interpolating between neighbours (0.5 is the median).</summary>
    public static double Quantile(IReadOnlyList<double> values, double fraction)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        var position = fraction * (sorted.Length - 1);
        var below = (int) Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
