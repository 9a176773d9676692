using Microsoft.Extensions.Logging;

namespace Billing.Tests.Infrastructure;

/// <summary>Keeps every log entry written through it, formatted message and exception text included, to be searched.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, string Message);

    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries => Since(0);

    /// <summary>The entries from the <paramref name="index"/>-th on, so a search can go on where it stopped.</summary>
    public IReadOnlyList<Entry> Since(int index)
    {
        lock (_entries)
        {
            return _entries.Count > index ? _entries.GetRange(index, _entries.Count - index) : [];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose() { }

    private void Add(Entry entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Logger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            provider.Add(new Entry(category, logLevel, $"{formatter(state, exception)} {structured} {exception}"));
        }
    }
}
