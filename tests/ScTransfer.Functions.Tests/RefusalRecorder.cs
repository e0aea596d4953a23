using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// A <see cref="RelayRefusals"/> on its own meter (a meter factory of its own, so that relays other tests run at the same
/// time do not count here) and a fake clock, with what it counted (<c>relay.requests.refused</c> by reason, read through
/// a <see cref="MeterListener"/>) and what it logged.
/// </summary>
internal sealed class RefusalRecorder : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly LineLogger _log = new();

    public RefusalRecorder()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == RelayMetrics.RequestsRefused)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == RelayMetrics.ReasonTag)
                {
                    _counts.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
        Refusals = new RelayRefusals(new RelayMetrics(factory), Time, _log);
    }

    public FakeTimeProvider Time { get; } = new();

    public RelayRefusals Refusals { get; }

    /// <summary>Every line logged so far, with its event id and its structured values.</summary>
    public IReadOnlyCollection<LoggedLine> Lines => _log.Lines;

    /// <summary>What <c>relay.requests.refused</c> counted for <paramref name="reason"/>.</summary>
    public long Counted(RefusalReason reason) => _counts.GetValueOrDefault(RelayMetrics.Name(reason));

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    internal sealed record LoggedLine(int EventId, string Message, IReadOnlyDictionary<string, object?> Values);

    private sealed class LineLogger : ILogger<RelayRefusals>
    {
        public ConcurrentQueue<LoggedLine> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            Lines.Enqueue(new LoggedLine(eventId.Id, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value)));
        }
    }
}
