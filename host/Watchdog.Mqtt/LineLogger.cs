using Microsoft.Extensions.Logging;

namespace Watchdog.Mqtt;

/// <summary>
/// An ILogger that writes each message as one line, prefixed, to a sink (the board's stdout log,
/// a test's list). Every level is written: the board has no log configuration.
/// </summary>
public sealed class LineLogger(string prefix, Action<string> sink) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            sink(prefix + formatter(state, exception));
        }
    }
}
