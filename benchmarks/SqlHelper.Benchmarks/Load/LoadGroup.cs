namespace SqlHelpers.Benchmarks.Load;

/// <summary>
/// Variants measured against each other at one point of the dimensions, in interleaved rounds; every row's ratio is
/// to <see cref="Reference"/> in the same round.
/// </summary>
/// <param name="Dims">The dimensions of the group (a sysbench row reports its own API).</param>
/// <param name="Reference">The name of the variant the others are divided by.</param>
/// <param name="Variants">Builds the variants; they are disposed when the group ends.</param>
internal sealed record LoadGroup(LoadDims Dims, string Reference, IReadOnlyList<Func<LoadVariant>> Variants);
