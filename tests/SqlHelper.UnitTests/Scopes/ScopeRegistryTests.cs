using SqlHelpers.Scopes;

namespace SqlHelpers.UnitTests.Scopes;

public sealed class ScopeRegistryTests
{
    [Fact]
    public void Add_AfterRemove_ReusesTheFreedSlot()
    {
        var registry = new ScopeRegistry(3);
        var leases = Enumerable.Range(1, 3).Select(NewLease).ToList();
        leases.ForEach(registry.Add);
        Assert.Equal([0, 1, 2], leases.Select(l => l.Slot).Order());   // each thread starts at its own slot: any order

        var freed = leases[1].Slot;
        registry.Remove(leases[1]);
        var next = NewLease(4);
        registry.Add(next);

        Assert.Equal(-1, leases[1].Slot);
        Assert.Equal(freed, next.Slot);
        Assert.Equal([1L, 3L, 4L], registry.Snapshot().Select(l => l.Id).Order());
    }

    [Fact]
    public void Remove_Twice_SecondDoesNothing()
    {
        var registry = new ScopeRegistry(2);
        var first = NewLease(1);
        var second = NewLease(2);
        registry.Add(first);
        registry.Remove(first);
        registry.Add(second);

        registry.Remove(first);

        Assert.Equal([second], registry.Snapshot());
    }

    [Fact]
    public void Add_RegistryFull_ThrowsInsteadOfOverwriting()
    {
        // Admission never lets this happen; if it did, the registry must say so rather than lose a lease.
        var registry = new ScopeRegistry(1);
        var held = NewLease(1);
        registry.Add(held);

        var ex = Assert.Throws<InvalidOperationException>(() => registry.Add(NewLease(2)));

        Assert.Contains("bug in SqlHelper", ex.Message, StringComparison.Ordinal);
        Assert.Equal([held], registry.Snapshot());
    }

    [Fact]
    public async Task AddRemoveAndSnapshot_Concurrently_NeverLosesDuplicatesOrOverfillsAndEndsEmpty()
    {
        const int capacity = 6;
        const int rounds = 2000;
        var registry = new ScopeRegistry(capacity);
        var stop = 0;
        var snapshots = 0;

        var workers = Enumerable.Range(0, capacity).Select(t => Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                var lease = NewLease(t * rounds + i + 1);
                registry.Add(lease);
                Assert.InRange(lease.Slot, 0, capacity - 1);
                registry.Remove(lease);
                Assert.Equal(-1, lease.Slot);
            }
        })).ToList();
        var reader = Flows.RunOnOwnThread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                var live = registry.Snapshot();
                Assert.InRange(live.Count, 0, capacity);
                Assert.Equal(live.Count, live.Distinct().Count());
                snapshots++;
            }
        });

        try
        {
            await TestTime.AllBounded(workers);
        }
        finally
        {
            Volatile.Write(ref stop, 1);
        }
        await reader.Bounded();

        Assert.Empty(registry.Snapshot());
        Assert.True(snapshots > 0);
    }

    private static ScopeLease NewLease(int id) => new(id, id, 1, 0, openSite: null);
}
