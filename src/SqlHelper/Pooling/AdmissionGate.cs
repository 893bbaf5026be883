using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>
/// Counts the connections held by live scopes and admits a new scope only below a limit that depends on its depth.
/// The uncontended path is one compare-and-swap. Callers that must wait queue in arrival order.
/// </summary>
/// <remarks>
/// <para>
/// Bounded barging, with HikariCP's <c>ConcurrentBag</c> handoff and Go's <c>sync.Mutex</c> starvation mode as models:
/// while the oldest waiter has waited less than its barge window, a release does not reserve its slot for a waiter. It
/// offers the slot (signals the first waiter that fits), and a flow that is running, typically the one that just
/// released and opens again, may take it first; the offered waiter then waits again in its place. Connections stay busy
/// with running flows instead of idling while a parked thread is scheduled, and a releasing flow does not queue behind
/// the waiter it woke.
/// </para>
/// <para>
/// Once the oldest waiter has waited its window, the gate is strict: newcomers queue, and a release hands its slot
/// straight to the first waiters whose limit allows it, in order. So no waiter is overtaken for longer than the window.
/// A nested waiter behind an outermost one may still be admitted where the outermost does not fit (its limit is higher):
/// that is the reserve for nested scopes at work, not overtaking. The window depends on what the oldest waiter is: a
/// blocked thread (<see cref="DefaultSynchronousBargeWindow"/>), which costs an OS wake-up and a context switch to hand a
/// slot to, or an awaiting flow (<see cref="DefaultAsynchronousBargeWindow"/>), which costs one thread-pool work item.
/// MySqlConnector's own pool (a <see cref="SemaphoreSlim"/>) makes the same split without a bound: blocked threads
/// compete for a released slot, awaiting flows are handed slots in order.
/// </para>
/// <para>
/// Timeouts use one timer per gate on the clock's <see cref="TimeProvider"/>: waiters share the acquire timeout, so the
/// oldest is always the next to expire.
/// </para>
/// </remarks>
internal sealed class AdmissionGate : IDisposable
{
    /// <summary>How long the oldest waiter, a blocked thread, may be overtaken by running flows before releases hand slots over in order.</summary>
    /// <remarks>
    /// Longer than a waiter queues in order under sustained overload (about 5 ms at 64 threads on 8 connections, 20 ms at
    /// 256 on 16, 110 ms at 1,000 on 16 on the benchmark machine). The window counts from when the oldest waiter queued,
    /// so a shorter one keeps the gate strict all the time, and a strict handoff to a parked thread leaves the connection
    /// idle until the scheduler runs that thread: a context switch per operation on a busy CPU. At 20 ms the synchronous
    /// contention rows lost up to a quarter of raw MySqlConnector's throughput; docs/benchmarks.md has the A/B.
    /// </remarks>
    public static readonly TimeSpan DefaultSynchronousBargeWindow = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the oldest waiter, an awaiting flow, may be overtaken by running flows before releases hand slots over in order.</summary>
    public static readonly TimeSpan DefaultAsynchronousBargeWindow = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly Clock _clock;
    private readonly long _timeoutMilliseconds;
    private readonly long _syncWindowMilliseconds;
    private readonly long _asyncWindowMilliseconds;
    private readonly AdmissionQueue _queue = new();
    private int _held;
    private int _waiting;
    private long _strictFromMilliseconds = long.MaxValue;
    private int _offered;
    private ITimer? _timer;
    private bool _timerArmed;

    /// <summary>Creates a gate whose waits never time out, on the system clock (benchmarks).</summary>
    public AdmissionGate()
        : this(Clock.System, Timeout.InfiniteTimeSpan, DefaultSynchronousBargeWindow, DefaultAsynchronousBargeWindow)
    {
    }

    /// <param name="clock">The clock of waits and timeouts.</param>
    /// <param name="acquireTimeout">How long a waiter waits before it times out; <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="synchronousBargeWindow">How long the oldest waiter may be overtaken when it is a blocked thread; <see cref="TimeSpan.Zero"/> for strict order.</param>
    /// <param name="asynchronousBargeWindow">How long the oldest waiter may be overtaken when it is an awaiting flow.</param>
    /// <remarks>
    /// Each window is cut to a quarter of <paramref name="acquireTimeout"/> when that is shorter, so that a waiter overtaken
    /// for its whole window still has most of its timeout left for its turn in order (with a 100 ms timeout, a 250 ms
    /// window would let running flows time a blocked waiter out).
    /// </remarks>
    public AdmissionGate(Clock clock, TimeSpan acquireTimeout, TimeSpan synchronousBargeWindow, TimeSpan asynchronousBargeWindow)
    {
        _clock = clock;
        _timeoutMilliseconds = acquireTimeout == Timeout.InfiniteTimeSpan ? -1 : (long) acquireTimeout.TotalMilliseconds;
        _syncWindowMilliseconds = WindowMilliseconds(synchronousBargeWindow, acquireTimeout);
        _asyncWindowMilliseconds = WindowMilliseconds(asynchronousBargeWindow, acquireTimeout);
    }

    /// <summary>Gets how long the oldest waiter, a blocked thread, may be overtaken before releases hand slots over in order.</summary>
    public TimeSpan SynchronousBargeWindow => TimeSpan.FromMilliseconds(_syncWindowMilliseconds);

    /// <summary>Gets how long the oldest waiter, an awaiting flow, may be overtaken before releases hand slots over in order.</summary>
    public TimeSpan AsynchronousBargeWindow => TimeSpan.FromMilliseconds(_asyncWindowMilliseconds);

    /// <summary>Gets the number of held slots.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Gets the number of queued waiters.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Test hooks, <c>null</c> outside the unit tests: run inside <see cref="Resume"/> under the lock, before an offered
    /// waiter tries for a slot and after that try failed (before its dispatch). A test uses them to stage, step by step, a
    /// running flow that barges in ahead of the waiter and a release that lands between its try and its dispatch.
    /// </summary>
    internal Action? ResumeTrying { get; set; }

    /// <inheritdoc cref="ResumeTrying"/>
    internal Action? ResumeMissed { get; set; }

    /// <summary>
    /// Takes a slot if fewer than <paramref name="limit"/> are held and nobody is queued, or the oldest waiter has waited
    /// less than the barge window.
    /// </summary>
    public bool TryEnter(int limit)
    {
        if (Volatile.Read(ref _waiting) != 0 && _clock.NowMilliseconds >= Volatile.Read(ref _strictFromMilliseconds))
            return false;
        return TryIncrement(limit);
    }

    /// <summary>
    /// Queues for a slot. The returned waiter may already be admitted (a slot became free while queueing); else wait for
    /// it with <see cref="AdmissionWaiter.WaitAsync"/>.
    /// </summary>
    public AdmissionWaiter Enqueue(int limit, IOBehavior io)
    {
        var now = _clock.NowMilliseconds;
        var waiter = new AdmissionWaiter(this, limit, io == IOBehavior.Synchronous, now);
        lock (_lock)
        {
            if (!IsStrictLocked(now) && TryIncrement(limit))
            {
                waiter.Outcome = AdmissionOutcome.Admitted;
                return waiter;
            }
            AppendLocked(waiter);
            ArmTimerLocked(now);
            // Counted only now, with its timeout armed: whoever sees the waiter in Waiting also sees its timer scheduled.
            // A full fence between raising _waiting and reading _held (Release does the opposite), so no release goes unseen.
            Interlocked.Increment(ref _waiting);
            // A release that happened before _waiting was raised saw no waiter; hand over (or offer) what it freed.
            DispatchLocked(now);
        }
        return waiter;
    }

    /// <summary>
    /// Removes a waiter that gave up (cancellation). Returns <c>false</c> when its wait had already ended (admitted, timed
    /// out, failed), in which case that outcome stands.
    /// </summary>
    public bool TryCancel(AdmissionWaiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Outcome != AdmissionOutcome.Pending)
                return false;
            CompleteLocked(waiter, AdmissionOutcome.Canceled);
            // Removing a waiter can unblock ones behind it whose limit is higher.
            DispatchLocked(_clock.NowMilliseconds);
            return true;
        }
    }

    /// <summary>Returns a slot and offers it to (or, when strict, admits) waiters that now fit.</summary>
    public void Release()
    {
        if (ReturnSlot())
            DispatchReturned();
    }

    /// <summary>The first half of <see cref="Release"/>, outside the lock: frees the slot; returns whether anyone waits.</summary>
    internal bool ReturnSlot()
    {
        Interlocked.Decrement(ref _held);
        return Volatile.Read(ref _waiting) != 0;
    }

    /// <summary>The second half of <see cref="Release"/>: under the lock, offers (or hands over) what was freed.</summary>
    internal void DispatchReturned()
    {
        lock (_lock)
            DispatchLocked(_clock.NowMilliseconds);
    }

    /// <summary>Fails every queued waiter with <paramref name="exception"/>.</summary>
    public void FailAll(Exception exception)
    {
        var error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
        lock (_lock)
        {
            while (_queue.First is { } waiter)
            {
                waiter.Error = error;
                CompleteLocked(waiter, AdmissionOutcome.Failed);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
            _timerArmed = false;
        }
    }

    /// <summary>
    /// Called by a waiter that was signalled: returns its outcome, or, when it was only offered a slot, tries to take one
    /// and returns <see cref="AdmissionOutcome.Pending"/> if a running flow took it first.
    /// </summary>
    internal AdmissionOutcome Resume(AdmissionWaiter waiter)
    {
        lock (_lock)
        {
            while (waiter.Outcome == AdmissionOutcome.Pending)
            {
                if (waiter.Woken)
                {
                    waiter.Woken = false;
                    _offered--;
                }
                ResumeTrying?.Invoke();
                var now = _clock.NowMilliseconds;
                if (!IsStrictLocked(now) && TryIncrement(waiter.Limit))
                    CompleteLocked(waiter, AdmissionOutcome.Admitted, signal: false);
                else
                    ResumeMissed?.Invoke();
                // When strict, this hands slots over in order, perhaps to this waiter. Its work item is still marked
                // scheduled meanwhile, so that handoff does not queue it a second time: the caller sees the outcome
                // returned here.
                DispatchLocked(now);
                if (waiter.Outcome == AdmissionOutcome.Pending && !waiter.Woken)
                {
                    waiter.Scheduled = false;   // waiting again: the next signal queues it anew
                    break;
                }
                // Still pending but offered a slot: a release freed one (outside the lock) after the try above, and this
                // dispatch offered it to this very waiter, whose signal queued nothing (its work item is the one running).
                // Nobody else will signal an offered waiter, so it tries again now instead of waiting for ever.
            }
            return waiter.Outcome;
        }
    }

    private static long WindowMilliseconds(TimeSpan window, TimeSpan acquireTimeout) =>
        (long) (acquireTimeout == Timeout.InfiniteTimeSpan || acquireTimeout >= 4 * window ? window : acquireTimeout / 4).TotalMilliseconds;

    private bool IsStrictLocked(long now) => _queue.First is not null && now >= _strictFromMilliseconds;

    /// <summary>When the gate turns strict for <paramref name="oldest"/>: a parked thread costs more to hand a slot to than an awaiting flow.</summary>
    private long StrictFrom(AdmissionWaiter oldest) =>
        oldest.EnqueuedMilliseconds + (oldest.Synchronous ? _syncWindowMilliseconds : _asyncWindowMilliseconds);

    private void DispatchLocked(long now)
    {
        if (_queue.First is null)
            return;
        var strict = IsStrictLocked(now);
        var waiter = _queue.First;
        while (waiter is not null)
        {
            var next = waiter.Next;
            // Limits differ by depth, so every waiter is considered until nothing can fit any more: a nested waiter behind
            // an outermost one may fit where the outermost does not.
            var held = Volatile.Read(ref _held);
            if (strict)
            {
                if (held >= _queue.Ceiling)
                    return;
                if (TryIncrement(waiter.Limit))
                    CompleteLocked(waiter, AdmissionOutcome.Admitted);
            }
            else
            {
                // Offered slots count as taken, so a release wakes at most one waiter per free slot.
                if (held + _offered >= _queue.Ceiling)
                    return;
                if (!waiter.Woken && held + _offered < waiter.Limit)
                {
                    waiter.Woken = true;
                    _offered++;
                    waiter.Signal();
                }
            }
            waiter = next;
        }
    }

    private void CompleteLocked(AdmissionWaiter waiter, AdmissionOutcome outcome, bool signal = true)
    {
        waiter.Outcome = outcome;
        if (waiter.Queued)
            RemoveLocked(waiter);
        if (waiter.Woken)
        {
            waiter.Woken = false;
            _offered--;
        }
        if (signal)
            waiter.Signal();
    }

    private void AppendLocked(AdmissionWaiter waiter)
    {
        _queue.Append(waiter);
        if (_queue.First == waiter)
            Volatile.Write(ref _strictFromMilliseconds, StrictFrom(waiter));
    }

    private void RemoveLocked(AdmissionWaiter waiter)
    {
        _queue.Remove(waiter);
        Interlocked.Decrement(ref _waiting);
        Volatile.Write(ref _strictFromMilliseconds, _queue.First is { } oldest ? StrictFrom(oldest) : long.MaxValue);
    }

    private void ArmTimerLocked(long now)
    {
        if (_timeoutMilliseconds < 0 || _timerArmed || _queue.First is not { } oldest)
            return;
        if (_timer is null)
        {
            // The timer must not capture the ambient flow of the first waiter (its scope stack would stay reachable).
            using (ExecutionContext.SuppressFlow())
                _timer = _clock.Time.CreateTimer(static state => ((AdmissionGate) state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        var due = Math.Max(0, oldest.EnqueuedMilliseconds + _timeoutMilliseconds - now);
        _timer.Change(TimeSpan.FromMilliseconds(due), Timeout.InfiniteTimeSpan);
        _timerArmed = true;
    }

    /// <summary>Times out the waiters whose time is up (the oldest first) and arms the timer for the next one.</summary>
    private void OnTimer()
    {
        lock (_lock)
        {
            if (_timer is null)
                return;
            _timerArmed = false;
            var now = _clock.NowMilliseconds;
            while (_queue.First is { } oldest && now - oldest.EnqueuedMilliseconds >= _timeoutMilliseconds)
                CompleteLocked(oldest, AdmissionOutcome.TimedOut);
            ArmTimerLocked(now);
            DispatchLocked(now);   // a timed-out waiter may have held an offer
        }
    }

    private bool TryIncrement(int limit)
    {
        var held = Volatile.Read(ref _held);
        while (held < limit)
        {
            var seen = Interlocked.CompareExchange(ref _held, held + 1, held);
            if (seen == held)
                return true;
            held = seen;
        }
        return false;
    }
}
