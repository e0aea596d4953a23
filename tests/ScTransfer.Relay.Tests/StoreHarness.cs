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
    /// <param name="connectionString">Another way to Azurite (the fault proxy's); the shared emulator by default.</param>
    /// <param name="networkTimeout">The storage client's per-attempt timeout; the SDK's default (100 s) unless given.</param>
    public StoreHarness(string? connectionString = null, TimeSpan? networkTimeout = null)
    {
        // The SDK client's default limits (3 retries, 100 s per attempt): a 3 s timeout on a loaded machine would retry an
        // insert that went through and meet a 409.
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(Counter, HttpPipelinePosition.PerRetry);
        if (networkTimeout is { } timeout)
        {
            clientOptions.Retry.NetworkTimeout = timeout;
            clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        }

        var storage = new StorageOptions
        {
            MailboxTable = Azurite.UniqueTableName("mbx"),
            ConnectionString = connectionString ?? Azurite.ConnectionString,
        };
        Service = connectionString is null ? Azurite.CreateServiceClient(clientOptions) : new TableServiceClient(connectionString, clientOptions);
        Storage = storage;
        Store = new MailboxStore(Service, new MailboxShards(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), storage.Shards), Options.Create(storage), Options.Create(Purge), NullLogger<MailboxStore>.Instance);
        Store.EnsureTableAsync(CancellationToken.None).GetAwaiter().GetResult();
        var relay = RelayOptionsForTests();
        Hasher = new ClaimHasher(RelayKeys.From(relay));
        Tokens = new TokenCipher(RelayKeys.From(relay));
        Outbox = new PushOutbox(Store, Push, Tokens, Options.Create(PushBudget), Time, Metrics, NullLogger<PushOutbox>.Instance);
        Mailboxes = new MailboxService(Store, Hasher, Tokens, Outbox, Options.Create(PushBudget), Time, Metrics, NullLogger<MailboxService>.Instance);
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

    /// <summary>The push outbox the service records pushes through, over <see cref="Push"/>.</summary>
    public PushOutbox Outbox { get; }

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

/// <summary>Counts HTTP requests to storage (each retry too) and records each as "METHOD decoded-path-and-query".</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();
    private int _count;
    private int _entityOperations;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The requests since the last <see cref="Reset"/>, in the order they were sent.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public void Reset()
    {
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _entityOperations, 0);
        _requests.Clear();
    }

    /// <summary>Entity operations sent: one per point request, one per operation inside an entity-group transaction.</summary>
    public int EntityOperations => Volatile.Read(ref _entityOperations);

    public override void OnSendingRequest(HttpMessage message)
    {
        Increment();
        var request = message.Request.Method + " " + Uri.UnescapeDataString(message.Request.Uri.PathAndQuery);
        _requests.Enqueue(request);
        Interlocked.Add(ref _entityOperations, request.EndsWith("/$batch", StringComparison.Ordinal) ? OperationsIn(message.Request.Content) : 1);
    }

    /// <summary>The operations of a transaction's body: one embedded HTTP request each (multipart/mixed, application/http).</summary>
    private static int OperationsIn(RequestContent? content)
    {
        using var body = new MemoryStream();
        content?.WriteTo(body, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        return text.Split("Content-Type: application/http", StringSplitOptions.None).Length - 1;
    }

    public void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>
/// A push notifier that supports every token type, records what it was asked to send, and answers as told: delivered
/// unless <see cref="Answer"/> says otherwise (the hub down, refusing, asking to wait).
/// </summary>
public sealed class RecordingPushNotifier : IPushNotifier
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<NotificationToken> _sent = new();

    /// <summary>Every attempt so far, delivered or not.</summary>
    public IReadOnlyCollection<NotificationToken> Sent => _sent;

    /// <summary>What every attempt from now on comes to.</summary>
    public PushResult Answer { get; set; } = new(PushDelivery.Delivered, 201);

    public bool Supports(string tokenType) => true;

    public Task<PushResult> SendAsync(NotificationToken token, CancellationToken cancellationToken)
    {
        _sent.Enqueue(token);
        return Task.FromResult(Answer);
    }
}
