namespace SqlHelpers.Batches;

/// <summary>
/// A single-row <c>INSERT ... VALUES (...)</c> taken apart for rewriting: the text up to the row, the row's text, and
/// where in the row each <c>@name</c> stands.
/// </summary>
/// <param name="Prefix">The text before the row's opening parenthesis, ending with <c>VALUES</c>.</param>
/// <param name="Row">The row: from its opening parenthesis to its closing one, inclusive.</param>
/// <param name="Parameters">Each <c>@name</c> in <paramref name="Row"/>: its offset there, its length including <c>@</c>, and the name.</param>
/// <param name="AffectsOneRowEach">
/// Whether it is a plain <c>INSERT</c> (no <c>IGNORE</c>, <c>DELAYED</c> or <c>REPLACE</c>): then a statement that succeeds
/// affects exactly one row per row it holds, so a multi-row statement's count splits back into ones.
/// </param>
internal sealed record InsertShape(string Prefix, string Row, IReadOnlyList<(int Offset, int Length, string Name)> Parameters, bool AffectsOneRowEach);
