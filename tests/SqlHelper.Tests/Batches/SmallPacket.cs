using System.Globalization;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Batches;

/// <summary>Lowers the server's global <c>max_allowed_packet</c> for connections opened from now on; disposing restores it.</summary>
public sealed class SmallPacket : IAsyncDisposable
{
    private readonly DatabaseFixture _db;
    private readonly long _original;

    private SmallPacket(DatabaseFixture db, long original)
    {
        _db = db;
        _original = original;
    }

    public static async Task<SmallPacket> SetAsync(DatabaseFixture db, int bytes)
    {
        var original = await db.ExecuteAdminAsync("SELECT @@GLOBAL.max_allowed_packet");
        await db.ExecuteAdminAsync(string.Create(CultureInfo.InvariantCulture, $"SET GLOBAL max_allowed_packet = {bytes}"));
        return new SmallPacket(db, original);
    }

    public async ValueTask DisposeAsync() =>
        await _db.ExecuteAdminAsync(string.Create(CultureInfo.InvariantCulture, $"SET GLOBAL max_allowed_packet = {_original}"));
}
