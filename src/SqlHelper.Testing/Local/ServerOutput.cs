using System.Collections.Concurrent;
using System.Diagnostics;

namespace SqlHelpers.Testing.Local;

/// <summary>
/// Drains a server's standard output and error (so it never blocks on a full pipe), keeps their last lines, and tells
/// what went wrong from the end of its error log, or of that output when the log is empty.
/// </summary>
internal sealed class ServerOutput
{
    private const int KeptLines = 30;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _errorLogPath;

    public ServerOutput(string errorLogPath) => _errorLogPath = errorLogPath;

    public void Remember(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
            return;
        _lines.Enqueue(e.Data);
        while (_lines.Count > KeptLines)
            _lines.TryDequeue(out _);
    }

    /// <summary>Gets a sentence and the last lines of the error log (or of the output), for an exception message.</summary>
    public string Tail()
    {
        var log = File.Exists(_errorLogPath) ? File.ReadLines(_errorLogPath).TakeLast(20).ToList() : [];
        var lines = log.Count > 0 ? log : [.. _lines];
        return lines.Count == 0
            ? $"It wrote nothing to {_errorLogPath} or its output."
            : $"The end of its error log ({_errorLogPath}):\n" + string.Join('\n', lines);
    }
}
