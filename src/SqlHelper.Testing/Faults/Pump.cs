using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Faults;

/// <summary>
/// Copies one direction of one connection: reads a chunk from <c>source</c>, holds it as the faults say (forgotten,
/// blackhole, latency, bandwidth), writes it to <c>destination</c>, and passes the end of the stream on as a FIN. With
/// no fault it is a plain receive/send loop over one pooled buffer. An error on either socket resets the connection.
/// </summary>
internal sealed class Pump
{
    private const int BufferSize = 64 * 1024;

    // The longest single wait; longer holds wait again, so that any latency can be set.
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly ProxyConnection _connection;
    private readonly Socket _source;
    private readonly Socket _destination;
    private readonly ProxyDirection _direction;
    private long _forwarded;
    private long _limitVersion;
    private long _forwardedAtLimit;
    private long _nextSendAt;

    public Pump(ProxyConnection connection, Socket source, Socket destination, ProxyDirection direction)
    {
        _connection = connection;
        _source = source;
        _destination = destination;
        _direction = direction;
    }

    /// <summary>Runs until the end of the stream, a limit or an error; the returned task never faults.</summary>
    public async Task RunAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var token = _connection.Token;
        try
        {
            while (true)
            {
                var read = await _source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, token).ConfigureAwait(false);
                var readAt = Stopwatch.GetTimestamp();
                var faults = _connection.Faults.Current;
                var forgotten = _connection.NoteActivity(readAt, faults.ForgetIdleAfter);
                if (forgotten || !faults.IsCleanFor(_direction))
                {
                    if (!await ForwardWithFaultsAsync(buffer, read, readAt, token).ConfigureAwait(false))
                        return;
                }
                else if (read > 0)
                {
                    await SendAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                }

                if (read == 0)
                {
                    _destination.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _connection.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <returns>False when a close-after-bytes limit closed the connection.</returns>
    private async Task<bool> ForwardWithFaultsAsync(byte[] buffer, int read, long readAt, CancellationToken token)
    {
        // One jitter sample per chunk, so that a change of settings moves the chunk's deadline but not its luck.
        var jitter = (Random.Shared.NextDouble() * 2) - 1;
        var offset = 0;
        while (true)
        {
            var faults = await WaitForTurnAsync(readAt, jitter, token).ConfigureAwait(false);
            var count = read - offset;
            if (faults.BytesPerSecond is { } rate)
                count = (int) Math.Min(count, Math.Clamp(rate / 20, 1, BufferSize));
            var closeAfter = false;
            if (faults.CloseAfterBytes is { } limit)
            {
                if (_limitVersion != faults.CloseAfterVersion)
                {
                    _limitVersion = faults.CloseAfterVersion;
                    _forwardedAtLimit = _forwarded;
                }
                var allowed = Math.Max(0, limit - (_forwarded - _forwardedAtLimit));
                if (allowed <= count)
                {
                    count = (int) allowed;
                    closeAfter = true;
                }
            }

            if (count > 0)
            {
                await SendAsync(buffer.AsMemory(offset, count), token).ConfigureAwait(false);
                if (faults.BytesPerSecond is { } paced)
                    _nextSendAt = Math.Max(Stopwatch.GetTimestamp(), _nextSendAt) + (count * Stopwatch.Frequency / paced);
                offset += count;
            }

            if (closeAfter)
            {
                _connection.CloseInOrder();
                return false;
            }
            if (offset >= read)
                return true;
        }
    }

    /// <summary>Waits until the chunk read at <paramref name="readAt"/> may go: not forgotten, no blackhole, its latency served, the bandwidth allowing.</summary>
    /// <returns>The faults of this direction at that moment.</returns>
    private async Task<DirectionFaults> WaitForTurnAsync(long readAt, double jitter, CancellationToken token)
    {
        while (true)
        {
            var changed = _connection.Faults.Changed;
            var all = _connection.Faults.Current;
            if (_connection.IsForgotten)
            {
                // as a NAT that dropped the entry: nothing passes any more, and nothing says so
                await Task.Delay(Timeout.InfiniteTimeSpan, token).ConfigureAwait(false);
            }
            if (all.Blackhole)
            {
                await changed.WaitAsync(token).ConfigureAwait(false);
                continue;
            }

            var faults = all.For(_direction);
            var now = Stopwatch.GetTimestamp();
            var wait = faults.DelayFor(jitter) - Stopwatch.GetElapsedTime(readAt, now);
            if (faults.BytesPerSecond is not null && Stopwatch.GetElapsedTime(now, _nextSendAt) is var pacing && pacing > wait)
                wait = pacing;
            if (wait <= TimeSpan.Zero)
                return faults;
            await DelayAsync(wait < LongestWait ? wait : LongestWait, changed, token).ConfigureAwait(false);
        }
    }

    // Waits for the delay or a change of settings, whichever comes first, and leaves no timer behind.
    private static async Task DelayAsync(TimeSpan delay, Task changed, CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var timer = Task.Delay(delay, stop.Token);
        await Task.WhenAny(timer, changed).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        token.ThrowIfCancellationRequested();
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken token)
    {
        var count = data.Length;
        while (!data.IsEmpty)
        {
            var sent = await _destination.SendAsync(data, SocketFlags.None, token).ConfigureAwait(false);
            data = data[sent..];
        }
        _forwarded += count;
        _connection.Server.AddForwarded(_direction, count);
    }
}
