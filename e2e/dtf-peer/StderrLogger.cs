using Microsoft.Extensions.Logging;

namespace DtfPeer;

/// DT.AS's and Core's logs on stderr, at DTF_PEER_LOG_LEVEL and above (default Warning).
public sealed class StderrLoggerFactory : ILoggerFactory
{
    readonly LogLevel minimum = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("DTF_PEER_LOG_LEVEL"), out var l) ? l : LogLevel.Warning;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this.minimum);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    sealed class Logger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!this.IsEnabled(logLevel)) return;
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception == null ? "" : " " + exception)}");
        }
    }
}
