namespace SqlHelpers.UnitTests.Scopes;

/// <summary>
/// The ambient stack against a model: random opens, in-order and out-of-order disposals and writes of another
/// <see cref="AsyncLocal{T}"/> on one flow, sync or async (with awaits between steps), checking after every step that
/// <see cref="SqlHelper.Current"/>, <see cref="SqlHelper.Depth"/> and the other value are what the model says. A pop
/// either puts back the context its push replaced or writes the parent; whichever it takes, nothing else may change.
/// </summary>
public sealed class ScopeStackModelTests
{
    private const int Steps = 3_000;
    private const int MaxLive = 6;

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public async Task RandomOpensDisposalsAndOtherWrites_StackAndOtherValueMatchTheModel(int seed, bool async)
    {
        // Given a helper with room for every live scope, and a flow of its own
        await using var db = FakeDb.Create(o => o.MaxConnections = MaxLive + 2);
        var other = new AsyncLocal<int>();

        var failure = await Flows.RunDetached(async () =>
        {
            var random = new Random(seed);
            var live = new List<SqlScope>();   // the model: live scopes, outermost first
            var otherValue = 0;
            for (var step = 0; step < Steps; step++)
            {
                // When one random step runs
                var roll = random.Next(10);
                string action;
                if (roll < 4 && live.Count < MaxLive)
                {
                    live.Add(async ? await db.Helper.OpenAsync() : db.Helper.Open());
                    action = "open";
                }
                else if (roll < 7 && live.Count > 0)
                {
                    var innermost = live[^1];
                    live.RemoveAt(live.Count - 1);
                    await Dispose(innermost, async);
                    action = "dispose innermost";
                }
                else if (roll < 8 && live.Count > 1)
                {
                    var index = random.Next(live.Count - 1);   // not the innermost: out of order
                    var scope = live[index];
                    live.RemoveAt(index);
                    await Dispose(scope, async);
                    action = $"dispose #{index} of {live.Count + 1} out of order";
                }
                else
                {
                    other.Value = otherValue = random.Next();
                    action = "write the other value";
                }
                if (async && random.Next(4) == 0)
                    await Task.Yield();   // the flow goes on, on whichever thread, with its context

                // Then the stack and the other value are the model's
                var expected = live.Count == 0 ? null : live[^1];
                if (!ReferenceEquals(db.Helper.Current, expected) || db.Helper.Depth != live.Count || other.Value != otherValue)
                {
                    return $"step {step} ({action}): Current {Describe(db.Helper.Current, live)} (expected {Describe(expected, live)}), " +
                        $"Depth {db.Helper.Depth} (expected {live.Count}), other value {(other.Value == otherValue ? "kept" : "lost")}";
                }
            }
            for (var i = live.Count - 1; i >= 0; i--)
                await Dispose(live[i], async);
            return null;
        }).Bounded();

        Assert.Null(failure);
        Assert.Equal(0, db.Stats.HeldConnections);
    }

    private static string Describe(SqlScope? scope, List<SqlScope> live) =>
        scope is null ? "none" : live.IndexOf(scope) is var index and >= 0 ? $"live #{index}" : scope.ToString();

    private static ValueTask Dispose(SqlScope scope, bool async)
    {
        if (async)
            return scope.DisposeAsync();
        scope.Dispose();
        return default;
    }
}
