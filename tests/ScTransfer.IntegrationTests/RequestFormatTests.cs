using System.Net;
using System.Text;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// What a request must look like, as both hosts answer it: a mailbox identifier is a version 4 UUID on create and on
/// every path that takes one (draft §8), and a JSON body's media type may spell its parameters either way RFC 9110
/// allows (a token or a quoted-string, any case of the charset name).
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class RequestFormatTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    /// <summary>UUIDs that are well formed but not random: each could be guessed and squatted.</summary>
    public static TheoryData<string> NotVersion4 => new()
    {
        "00000000-0000-0000-0000-000000000000", // nil
        "c232ab00-9414-11ec-b3c8-9f6bdeced846", // version 1 (RFC 9562 Appendix A.1)
        "017f22e2-79b0-7cc3-98c4-dc0c0c07398f", // version 7 (RFC 9562 Appendix A.6)
    };

    [Theory]
    [MemberData(nameof(NotVersion4))]
    public async Task A_create_naming_an_identifier_that_is_not_a_version_4_UUID_gets_400_saying_so_and_creates_nothing(string id)
    {
        var claim = RelayClient.NewId();
        using var response = await _relay.CreateAsync(RelayClient.CreateBody(id), claim, RelayClient.NewId());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("version 4", await RelayClient.ProblemDetailAsync(response), StringComparison.Ordinal);
        await foreach (var entity in Azurite.CreateServiceClient().GetTableClient(fixture.Relay.MailboxTable).QueryAsync<TableEntity>())
        {
            Assert.DoesNotContain(id, string.Join('|', entity.Select(p => p.Key + "=" + p.Value)), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(NotVersion4))]
    public async Task Every_endpoint_that_takes_an_identifier_refuses_one_that_is_not_a_version_4_UUID(string id)
    {
        var claim = RelayClient.NewId();
        var answers = new List<HttpResponseMessage>
        {
            await _relay.PreviewAsync(id),
            await _relay.ReadAsync(id, claim),
            await _relay.UpdateAsync(id, RelayClient.UpdateBody(), claim),
            await _relay.RelinquishAsync(id, claim),
            await _relay.DeleteAsync(id, claim),
        };

        foreach (var answer in answers)
        {
            using (answer)
            {
                Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
                Assert.Contains("must be a version 4 (random) UUID", await RelayClient.ProblemDetailAsync(answer), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json;charset=\"UTF-8\"")]
    public async Task A_body_whose_charset_is_quoted_or_upper_case_is_JSON_all_the_same(string contentType)
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        using (var created = await SendJsonAsync(HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(id).ToJsonString(), contentType))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using var updated = await SendJsonAsync(HttpMethod.Put, "v1/m/" + id, sender, RelayClient.UpdateBody().ToJsonString(), contentType);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=\"utf-16\"")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("text/json; charset=\"utf-8\"")]
    public async Task Another_charset_or_type_quoted_or_not_is_still_415(string contentType)
    {
        using var response = await SendJsonAsync(HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()).ToJsonString(), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string claim, string json, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType); // as written: HttpClient would normalise it
        return _relay.SendAsync(method, path, claim, RelayClient.NewId(), content);
    }
}
