using System.Net;
using System.Text;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>Draft §8.2: a dump of the storage account reveals no device claim, in any encoding.</summary>
[Collection(RelayCollection.Name)]
public sealed class StoragePrivacyTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task No_raw_claim_or_attestation_is_stored_anywhere()
    {
        var claims = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = RelayClient.NewId();
            var sender = RelayClient.NewId();
            var receiver = RelayClient.NewId();
            claims.Add(sender);
            claims.Add(receiver);
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/m") { Content = RelayClient.Json(RelayClient.CreateBody(id)) };
            request.Headers.TryAddWithoutValidation("deviceClaim", sender);
            request.Headers.TryAddWithoutValidation("deviceAttestation", "attestation-" + sender);
            using var created = await _relay.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            (await _relay.ReadAsync(id, receiver)).Dispose();
            (await _relay.UpdateAsync(id, RelayClient.UpdateBody(), receiver, RelayClient.NewId())).Dispose();
        }

        var dump = new StringBuilder();
        var service = Azurite.CreateServiceClient();
        foreach (var table in new[] { fixture.Relay.MailboxTable, fixture.Relay.ExpiryTable })
        {
            await foreach (var entity in service.GetTableClient(table).QueryAsync<TableEntity>())
            {
                foreach (var (key, value) in entity)
                {
                    dump.Append(key).Append('=').Append(value is byte[] bytes ? Convert.ToHexString(bytes) + " " + Convert.ToBase64String(bytes) : value).Append('\n');
                }
            }
        }

        var text = dump.ToString();
        Assert.NotEmpty(text);
        foreach (var claim in claims)
        {
            var guid = Guid.Parse(claim);
            foreach (var form in new[]
            {
                claim, claim.ToUpperInvariant(), guid.ToString("N"), Convert.ToHexString(guid.ToByteArray()),
                Convert.ToBase64String(guid.ToByteArray()), Convert.ToHexString(Encoding.UTF8.GetBytes(claim)),
                "attestation-",
            })
            {
                Assert.DoesNotContain(form, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
