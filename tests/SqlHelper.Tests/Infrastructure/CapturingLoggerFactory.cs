using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SqlHelpers.Tests.Infrastructure;

/// <summary>A logger factory that keeps every log entry, for tests that check what was logged.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>Returns SqlHelper's own entries with event id <paramref name="id"/> (MySqlConnector reuses the same numbers).</summary>
    public IReadOnlyList<LogEntry> WithEventId(int id) => [.. Entries.Where(e => e.Category == "SqlHelper" && e.EventId.Id == id)];

    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class CapturingLogger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
