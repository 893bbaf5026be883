namespace SqlHelpers.Tests.SessionReset;

/// <summary>One statement (or multi-statement text) from <see cref="StatementGenerator"/>.</summary>
/// <param name="Sql">The SQL text.</param>
/// <param name="Shape">
/// How it was made: <c>plain</c> (a plain parameterised SELECT/UPDATE/DELETE that must stay state-free), <c>clean</c>
/// (built from state-free parts only), <c>hazard</c> (a clean statement with one risky part), <c>other</c> (any other
/// statement start) or <c>multi</c>.
/// </param>
/// <param name="ForceReset">Whether it may leave state the snapshot cannot read (an open HANDLER, a prepared statement), so the oracle resets after it.</param>
internal sealed record GeneratedStatement(string Sql, string Shape, bool ForceReset = false);
