using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// One relay over Azurite for the suite, with the default settings. Its urlLinks name the configured public URL
/// (https://relay.test.example), not where it listens, so clients here talk to <see cref="RelayHost.BaseAddress"/> and
/// take only the mailbox id and the secret from a link, as a client configured for its relay does.
/// </summary>
public sealed class RelayFixture : RelayHostFixture
{
    /// <summary>A client over a recording handler; every request it makes is kept in <paramref name="handler"/>.</summary>
    public MailboxClient Client(RecordingHandler handler, ILogger<MailboxClient>? logger = null) => new(
        new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) },
        Options.Create(new MailboxClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10) }),
        logger);
}

[CollectionDefinition(Name)]
public sealed class RelayCollection : ICollectionFixture<RelayFixture>
{
    public const string Name = "relay";
}

/// <summary>Keeps every formatted log line, for log-hygiene checks.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
