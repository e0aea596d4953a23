using System.Net;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// What a transfer costs in storage traffic, counted on the wire by a proxy in front of Azurite (docs/design.md, "The
/// storage client"): only the receiver's read carries the payload back, and every request is the Azure SDK's own.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StorageTrafficTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The payload of the issue's goal: 64 KiB, one Table property.</summary>
    private const int PayloadBytes = 64 * 1024;

    /// <summary>The payload as the Table service sends it: an Edm.Binary property is base64 text in the entity's JSON.</summary>
    private const int PayloadOnTheWire = (PayloadBytes + 2) / 3 * 4;

    private StorageFaultProxy _proxy = null!;
    private RelayHost _relayHost = null!;
    private RelayClient _relay = null!;

    public async Task InitializeAsync()
    {
        _proxy = StorageFaultProxy.Start();
        _relayHost = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = _proxy.ConnectionString,
            ["RateLimiting__Enabled"] = "false",
        });
        _relay = new RelayClient(_relayHost.CreateClient());
    }

    public async Task DisposeAsync()
    {
        await _relayHost.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task A_stateless_transfer_of_64_KiB_reads_back_at_most_1_1_times_the_payload_in_six_operations()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        var before = _proxy.Exchanges.Count;

        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(PayloadBytes)), sender))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var preview = await _relay.PreviewAsync(id))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        }

        using (var read = await _relay.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var deleted = await _relay.DeleteAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var transfer = _proxy.Exchanges.Skip(before)
            .Where(e => e.PathAndQuery.Contains(_relayHost.MailboxTable, StringComparison.Ordinal) || e.PathAndQuery.EndsWith("/$batch", StringComparison.Ordinal)).ToList();
        foreach (var exchange in transfer)
        {
            output.WriteLine($"{exchange.Method} {Shorten(exchange.PathAndQuery, id)}: sent {exchange.RequestBytes} B, read back {exchange.ResponseBytes} B");
        }

        var readBack = transfer.Sum(e => e.ResponseBytes);
        output.WriteLine($"read back {readBack} B in all = {(double)readBack / PayloadOnTheWire:F3} x the payload on the wire ({PayloadOnTheWire} B)");

        // insert (a transaction with its index row); preview read; read + bind merge; access read + tombstone (a transaction
        // moving its index row).
        Assert.Equal(["POST", "GET", "GET", "PATCH", "GET", "POST"], transfer.Select(e => e.Method));
        Assert.InRange(readBack, PayloadOnTheWire, PayloadOnTheWire * 1.1);
        // The reads that decide without the payload name what they need ($select) and stay small.
        var (previewRead, deleteRead) = (transfer[1], transfer[4]);
        Assert.Contains("$select=", previewRead.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("$select=", deleteRead.PathAndQuery, StringComparison.Ordinal);
        Assert.DoesNotContain("$select=", transfer[2].PathAndQuery, StringComparison.Ordinal);
        Assert.All([previewRead, deleteRead], e => Assert.InRange(e.ResponseBytes, 1, 2048));
    }

    [Fact]
    public async Task Every_storage_request_is_the_Azure_SDKs_with_its_own_User_Agent()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(id), sender))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        (await _relay.UpdateAsync(id, RelayClient.UpdateBody(), sender)).Dispose();
        (await _relay.ReadAsync(id, RelayClient.NewId())).Dispose();
        (await _relay.PreviewAsync(id)).Dispose();
        (await _relay.DeleteAsync(id, sender)).Dispose();

        // From the relay's start (table creation) on: not one request of a hand-written client.
        Assert.True(_proxy.Exchanges.Count >= 7, $"{_proxy.Exchanges.Count} storage requests");
        Assert.All(_proxy.Exchanges, e => Assert.Matches(@"^sct-relay azsdk-net-Data\.Tables/\d+\.\d+\.\d+ ", e.UserAgent ?? ""));
    }

    private static string Shorten(string pathAndQuery, string id) => pathAndQuery.Replace(id, "{id}", StringComparison.OrdinalIgnoreCase);
}
