namespace SqlHelpers.Pooling;

/// <summary>A caller queued for a connection slot; completed with <c>true</c> when a slot is handed to it.</summary>
internal sealed class AdmissionWaiter(int limit) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>Gets the number of held slots below which this waiter may be admitted (it depends on its nesting depth).</summary>
    public int Limit { get; } = limit;

    /// <summary>Gets or sets the waiter's node in the gate's queue, or <c>null</c> once it left the queue.</summary>
    public LinkedListNode<AdmissionWaiter>? Node { get; set; }
}
