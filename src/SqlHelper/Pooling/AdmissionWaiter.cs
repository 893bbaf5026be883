using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace SqlHelpers.Pooling;

/// <summary>
/// A caller queued for a connection slot. The gate decides its <see cref="Outcome"/> under its lock; the waiter is then
/// signalled: a synchronous one wakes its blocked thread, an asynchronous one runs on the thread pool (one hop, in which
/// its continuation runs inline). A wake without an outcome is an offer: the waiter tries for a slot and, if a running
/// flow took it first, waits again in its place.
/// </summary>
internal sealed class AdmissionWaiter : IValueTaskSource<AdmissionOutcome>, IThreadPoolWorkItem
{
    private readonly AdmissionGate _gate;
    private ManualResetValueTaskSourceCore<AdmissionOutcome> _core;
    private int _outcome;
    private bool _signaled;

    public AdmissionWaiter(AdmissionGate gate, int limit, bool synchronous, long enqueuedMilliseconds)
    {
        _gate = gate;
        Limit = limit;
        Synchronous = synchronous;
        EnqueuedMilliseconds = enqueuedMilliseconds;
    }

    /// <summary>Gets the number of held slots below which this waiter may be admitted (it depends on its nesting depth).</summary>
    public int Limit { get; }

    /// <summary>Gets whether a thread blocks on this waiter (else it is awaited).</summary>
    public bool Synchronous { get; }

    /// <summary>Gets when the waiter was queued, as a reading of the gate's clock.</summary>
    public long EnqueuedMilliseconds { get; }

    /// <summary>Gets how the wait ended, or <see cref="AdmissionOutcome.Pending"/>. Set once, under the gate's lock.</summary>
    public AdmissionOutcome Outcome
    {
        get => (AdmissionOutcome) Volatile.Read(ref _outcome);
        set => Volatile.Write(ref _outcome, (int) value);
    }

    /// <summary>Gets or sets the exception of a <see cref="AdmissionOutcome.Failed"/> wait.</summary>
    public ExceptionDispatchInfo? Error { get; set; }

    // The gate's queue and bookkeeping, guarded by the gate's lock.
    internal AdmissionWaiter? Previous { get; set; }

    internal AdmissionWaiter? Next { get; set; }

    internal bool Queued { get; set; }

    /// <summary>Gets or sets whether the waiter was offered a slot and has not tried for it yet.</summary>
    internal bool Woken { get; set; }

    /// <summary>Gets or sets whether an asynchronous waiter's work item is queued and has not run yet.</summary>
    internal bool Scheduled { get; set; }

    /// <summary>Waits for the outcome: blocks for a synchronous waiter, else returns a task that completes with it.</summary>
    public ValueTask<AdmissionOutcome> WaitAsync()
    {
        if (Outcome != AdmissionOutcome.Pending)
            return new ValueTask<AdmissionOutcome>(Outcome);
        if (!Synchronous)
            return new ValueTask<AdmissionOutcome>(this, _core.Version);
        while (true)
        {
            lock (this)
            {
                while (!_signaled)
                    Monitor.Wait(this);
                _signaled = false;
            }
            var outcome = Outcome;
            if (outcome == AdmissionOutcome.Pending)
                outcome = _gate.Resume(this);
            if (outcome != AdmissionOutcome.Pending)
                return new ValueTask<AdmissionOutcome>(outcome);
        }
    }

    /// <summary>Gives up waiting (the caller's token was cancelled), unless the wait already ended.</summary>
    public void Cancel() => _gate.TryCancel(this);

    /// <summary>Wakes the waiter (called by the gate under its lock): the blocked thread, or a thread-pool work item.</summary>
    internal void Signal()
    {
        if (Synchronous)
        {
            lock (this)
            {
                _signaled = true;
                Monitor.Pulse(this);
            }
        }
        else if (!Scheduled)
        {
            Scheduled = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        var outcome = Outcome;
        if (outcome == AdmissionOutcome.Pending)
            outcome = _gate.Resume(this);
        if (outcome != AdmissionOutcome.Pending)
            _core.SetResult(outcome);   // runs the awaiting continuation here, on this pool thread
    }

    AdmissionOutcome IValueTaskSource<AdmissionOutcome>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<AdmissionOutcome>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<AdmissionOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
