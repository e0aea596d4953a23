using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StatelessTransferTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task A_stateless_transfer_creates_previews_reads_and_deletes()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        var data = RelayClient.RandomPayloadData(100);

        using var created = await _relay.CreateAsync(RelayClient.CreateBody(id, data: data), sender, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal($"https://relay.test.example/v1/m/{id}", (await RelayClient.ReadJsonAsync(created))["urlLink"]!.GetValue<string>());

        using var preview = await _relay.PreviewAsync(id);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);

        using var read = await _relay.ReadAsync(id, receiver);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(data, (await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!.GetValue<string>());

        using var deleted = await _relay.DeleteAsync(id, receiver);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        using var gone = await _relay.PreviewAsync(id);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
