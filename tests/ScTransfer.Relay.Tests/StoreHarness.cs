using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// A real <see cref="MailboxStore"/> on Azurite with its own tables, a <see cref="FakeTimeProvider"/>, and a pipeline
/// policy that counts every storage request, so tests can prove what an operation costs in round trips.
/// </summary>
public sealed class StoreHarness
{
    public StoreHarness()
    {
        // The SDK client's default limits (3 retries, 100 s per attempt): a 3 s timeout on a loaded machine would retry an
        // insert that went through and meet a 409.
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(Counter, HttpPipelinePosition.PerRetry);
        var storage = new StorageOptions
        {
            MailboxTable = Azurite.UniqueTableName("mbx"),
            ConnectionString = Azurite.ConnectionString,
        };
        Service = Azurite.CreateServiceClient(clientOptions);
        Storage = storage;
        Store = new MailboxStore(Service, Options.Create(storage), Options.Create(Purge), NullLogger<MailboxStore>.Instance);
        Store.EnsureTablesAsync(CancellationToken.None).GetAwaiter().GetResult();
        var relay = RelayOptionsForTests();
        Hasher = new ClaimHasher(RelayKeys.From(relay));
        Tokens = new TokenCipher(RelayKeys.From(relay));
        Mailboxes = new MailboxService(Store, Hasher, Tokens, Push, Options.Create(PushBudget), Time, Metrics, NullLogger<MailboxService>.Instance);
        Parser = new MailboxRequestParser(Options.Create(RelayOptionsForTests()), Time);
    }

    public RelayMetrics Metrics { get; } = TestMetrics.Create();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public RequestCounter Counter { get; } = new();

    public PurgeOptions Purge { get; } = new() { TombstoneRetention = TimeSpan.FromDays(7) };

    public PushOptions PushBudget { get; } = new();

    /// <summary>Counts the pushes the service asks for (every token type supported).</summary>
    public RecordingPushNotifier Push { get; } = new();

    public TokenCipher Tokens { get; }

    public TableServiceClient Service { get; }

    public StorageOptions Storage { get; }

    internal MailboxStore Store { get; }

    public ClaimHasher Hasher { get; }

    public MailboxService Mailboxes { get; }

    public MailboxRequestParser Parser { get; }

    public TableClient MailboxTable => Service.GetTableClient(Storage.MailboxTable);


    public static RelayOptions RelayOptionsForTests() => new()
    {
        PublicBaseUrl = "https://relay.test.example",
        ClaimHashKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        TokenEncryptionKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>A mailbox as the service would build it, expiring <paramref name="lifetime"/> after the fake now.</summary>
    public Mailbox NewMailbox(TimeSpan lifetime, DeviceClaim? sender = null)
    {
        var id = MailboxId.New();
        return new Mailbox
        {
            Id = id,
            SenderClaimHash = Hasher.Hash(id, sender ?? DeviceClaim.New()),
            AccessRights = AccessRights.Read | AccessRights.Write | AccessRights.Delete,
            CreatedAt = Time.GetUtcNow(),
            ExpiresAt = Time.GetUtcNow() + lifetime,
            DisplayInformationJson = """{"title":"Car Key"}""",
            Payload = new SecurePayload("AES256", new byte[64]),
        };
    }

    public async Task<int> CountAsync(TableClient table)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}

/// <summary>Counts HTTP requests to storage (each retry too).</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    public override void OnSendingRequest(HttpMessage message) => Increment();

    public void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>A push notifier that supports every token type and records what it was asked to send.</summary>
public sealed class RecordingPushNotifier : IPushNotifier
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<NotificationToken> _sent = new();

    public IReadOnlyCollection<NotificationToken> Sent => _sent;

    public bool Supports(string tokenType) => true;

    public Task NotifyAsync(NotificationToken token, CancellationToken cancellationToken)
    {
        _sent.Enqueue(token);
        return Task.CompletedTask;
    }
}
