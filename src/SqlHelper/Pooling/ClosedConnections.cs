using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>
/// One generation of a <see cref="ConnectionSource"/>: the driver's data source, and the closed connection objects kept to
/// open again from it. Reopening a closed <see cref="MySqlConnection"/> takes a pooled session just as a new object does,
/// without allocating and setting up the object. A clear starts a new generation; the old one's objects are dropped with it.
/// </summary>
/// <remarks>
/// Lock-free slots like the scope registry's: a thread starts at its own place and looks at a few slots only, so a thread
/// that opens and closes one connection at a time keeps reusing the same object, and a full or empty neighbourhood means
/// a new object (or a disposed one), never a wait.
/// </remarks>
internal sealed class ClosedConnections(MySqlDataSource dataSource, int capacity)
{
    private const int SlotsLookedAt = 4;

    private readonly MySqlConnection?[] _slots = new MySqlConnection?[Math.Max(1, capacity)];

    /// <summary>Gets how many closed objects the generation can keep.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Gets the data source the connections of this generation come from.</summary>
    public MySqlDataSource DataSource { get; } = dataSource;

    /// <summary>Takes a kept closed connection, or creates a new one from <see cref="DataSource"/>.</summary>
    public MySqlConnection Take()
    {
        var slots = _slots;
        var index = ThreadSlot.StartIndex(Environment.CurrentManagedThreadId, slots.Length);
        for (var i = 0; i < SlotsLookedAt && i < slots.Length; i++)
        {
            if (slots[index] is not null && Interlocked.Exchange(ref slots[index], null) is { } connection)
                return connection;
            if (++index == slots.Length)
                index = 0;
        }
        return DataSource.CreateConnection();
    }

    /// <summary>Keeps a closed connection of this generation for a later <see cref="Take"/>; returns <c>false</c> when there is no room near.</summary>
    public bool TryKeep(MySqlConnection connection)
    {
        var slots = _slots;
        var index = ThreadSlot.StartIndex(Environment.CurrentManagedThreadId, slots.Length);
        for (var i = 0; i < SlotsLookedAt && i < slots.Length; i++)
        {
            if (slots[index] is null && Interlocked.CompareExchange(ref slots[index], connection, null) is null)
                return true;
            if (++index == slots.Length)
                index = 0;
        }
        return false;
    }
}
