namespace SqlHelpers.UnitTests.Scopes;

/// <summary>
/// The ambient stack against a model: random opens, in-order and out-of-order disposals, writes of another
/// <see cref="AsyncLocal{T}"/> and child flows (which open their own scopes and may dispose one of the parent's) on one
/// flow, sync or async (with awaits between steps), checking after every step that
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
                    await ScopeDisposal.Dispose(innermost, async);
                    action = "dispose innermost";
                }
                else if (roll == 9 && random.Next(3) == 0)
                {
                    // A child flow: it sees this flow's scopes, opens its own, may dispose one of this flow's, and
                    // whatever it does to its own stack never reaches this flow's
                    var taken = live.Count > 0 && random.Next(2) == 0 ? live[random.Next(live.Count)] : null;
                    var childSeed = random.Next();
                    var childFailure = await Task.Run(() => ChildFlow(db.Helper, [.. live], taken, childSeed, async));
                    if (childFailure is not null)
                        return $"step {step} (child flow): {childFailure}";
                    if (taken is not null)
                        live.Remove(taken);
                    action = taken is null ? "child flow" : "child flow disposing one of this flow's scopes";
                }
                else if (roll < 8 && live.Count > 1)
                {
                    var index = random.Next(live.Count - 1);   // not the innermost: out of order
                    var scope = live[index];
                    live.RemoveAt(index);
                    await ScopeDisposal.Dispose(scope, async);
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
                await ScopeDisposal.Dispose(live[i], async);
            return null;
        }).Bounded();

        Assert.Null(failure);
        Assert.Equal(0, db.Stats.HeldConnections);
    }

    private static async Task<string?> ChildFlow(SqlHelper helper, List<SqlScope> live, SqlScope? taken, int seed, bool async)
    {
        var random = new Random(seed);
        if (!ReferenceEquals(helper.Current, live.Count == 0 ? null : live[^1]))
            return "the child does not see its parent's innermost scope";
        var own = random.Next(3);
        for (var i = 0; i < own; i++)
            live.Add(async ? await helper.OpenAsync() : helper.Open());
        if (taken is not null)
        {
            await ScopeDisposal.Dispose(taken, async);
            live.Remove(taken);
        }
        if (!ReferenceEquals(helper.Current, live.Count == 0 ? null : live[^1]) || helper.Depth != live.Count)
            return $"inside the child, Current or Depth ({helper.Depth}, expected {live.Count}) is not the model's";
        for (var i = 0; i < own; i++)
        {
            var innermost = live[^1];
            live.RemoveAt(live.Count - 1);
            await ScopeDisposal.Dispose(innermost, async);
        }
        return null;
    }

    private static string Describe(SqlScope? scope, List<SqlScope> live) =>
        scope is null ? "none" : live.IndexOf(scope) is var index and >= 0 ? $"live #{index}" : scope.ToString();
}
