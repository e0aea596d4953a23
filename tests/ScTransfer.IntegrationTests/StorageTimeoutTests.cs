using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// Writes that survive a storage timeout (docs/security.md, the late storage answer): storage applies a write but
/// answers after the relay's network timeout; the storage client retries and meets that very write (409 on the insert,
/// 412 on the conditional replace). The relay knows its own write by the operation id it stamped and answers as if the
/// first answer had come in time. A fault-injecting proxy in front of Azurite holds the answers back.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StorageTimeoutTests : IAsyncLifetime
{
    // Generous for a loaded machine: only the held answer may exceed the timeout, every retry must beat it.
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(8);

    private StorageFaultProxy _proxy = null!;
    private NotificationHubStandIn _hub = null!;
    private RelayHost _relayHost = null!;
    private RelayClient _relay = null!;

    public async Task InitializeAsync()
    {
        _proxy = StorageFaultProxy.Start();
        _hub = NotificationHubStandIn.Start();
        _relayHost = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = _proxy.ConnectionString,
            ["Storage__NetworkTimeout"] = NetworkTimeout.ToString("c"),
            ["Storage__MaxRetries"] = "3",
            ["NotificationHubs__ConnectionString"] = _hub.ConnectionString,
            ["NotificationHubs__HubName"] = _hub.HubName,
        });
        _relay = new RelayClient(_relayHost.CreateClient());
    }

    public async Task DisposeAsync()
    {
        await _relayHost.DisposeAsync();
        await _hub.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    // An entity-group transaction: a create (the mailbox and its index row), or an update that owes a push.
    private static bool IsInsert(string method, string path) => method == "POST" && path.EndsWith("/$batch", StringComparison.Ordinal);

    [Theory]
    [InlineData(null)]
    [InlineData("create-once")]
    public async Task A_create_whose_insert_is_answered_late_gets_200_and_its_link_not_401_or_201(string? correlationId)
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        _proxy.HoldNextAnswer(IsInsert, Late);

        using var created = await _relay.CreateAsync(RelayClient.CreateBody(id), sender, correlationId);

        Assert.Single(_proxy.Held); // the insert's answer really came too late, and the storage client retried it
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.EndsWith(id, (string)(await RelayClient.ReadJsonAsync(created))["urlLink"]!, StringComparison.OrdinalIgnoreCase);
        using var read = await _relay.ReadAsync(id, sender);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task A_create_without_identifier_answered_late_then_retried_by_the_phone_gets_201_and_the_same_link()
    {
        var sender = RelayClient.NewId();
        var requestId = RelayClient.NewId();
        var body = RelayClient.CreateBody("unused");
        body.Remove("mailboxIdentifier");
        _proxy.HoldNextAnswer(IsInsert, Late);

        using var created = await _relay.CreateAsync(body, sender, requestId); // storage applied it, answered late
        using var retried = await _relay.CreateAsync(body, sender, requestId); // the phone never saw that answer

        Assert.Single(_proxy.Held);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var link = (string)(await RelayClient.ReadJsonAsync(created))["urlLink"]!;
        Assert.Equal(link, (string)(await RelayClient.ReadJsonAsync(retried))["urlLink"]!);
        var stored = Azurite.CreateServiceClient().GetTableClient(_relayHost.MailboxTable).QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"]);
        Assert.Equal(1, await stored.CountAsync(e => Guid.TryParse(e.RowKey, out _))); // one mailbox, no orphan
    }

    [Fact]
    public async Task An_update_whose_write_is_answered_late_gets_200_and_exactly_one_push_to_the_other_party()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        var senderToken = "apns" + Guid.NewGuid().ToString("N");
        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(id, token: RelayClient.Token("com.apple.apns", senderToken)), sender))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var bound = await _relay.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        }

        var data = RelayClient.RandomPayloadData();
        _proxy.HoldNextAnswer(IsInsert, Late); // the update and the push it owes: one transaction
        using var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(data), receiver, RelayClient.NewId());

        Assert.Single(_proxy.Held);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode); // not 201 "duplicate" from its own Correlation-ID
        await _hub.PushThroughAsync(_relay); // a second push would be in by now
        Assert.Single(_hub.ReceivedFor(senderToken));
        using var read = await _relay.ReadAsync(id, receiver);
        Assert.Equal(data, (string)(await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!);
    }
}
