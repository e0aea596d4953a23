using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>Draft §5: every response echoes the request's Mailbox-Correlation-ID, errors included.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CorrelationIdTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task Errors_echo_the_correlation_id_too()
    {
        var correlation = RelayClient.NewId();
        var (id, _) = await _relay.CreateMailboxAsync();
        var oversize = RelayClient.CreateBody(RelayClient.NewId(), data: RelayClient.RandomPayloadData(140_000));

        using var badRequest = await _relay.CreateAsync(RelayClient.CreateBody("nope"), RelayClient.NewId(), correlation);
        using var unauthorized = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), RelayClient.NewId(), correlation);
        using var notFound = await _relay.ReadAsync(RelayClient.NewId(), RelayClient.NewId(), correlation);
        using var tooLarge = await _relay.CreateAsync(oversize, RelayClient.NewId(), correlation);
        using var noClaim = await _relay.DeleteAsync(id, null, correlation);

        foreach (var (response, status) in new[]
        {
            (badRequest, HttpStatusCode.BadRequest), (unauthorized, HttpStatusCode.Unauthorized), (notFound, HttpStatusCode.NotFound),
            (tooLarge, HttpStatusCode.RequestEntityTooLarge), (noClaim, HttpStatusCode.BadRequest),
        })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(correlation, response.Headers.GetValues("Mailbox-Correlation-ID").Single());
        }
    }

    [Fact]
    public async Task A_correlation_id_that_could_forge_headers_is_refused_and_not_echoed()
    {
        using var request = RelayClient.Request(HttpMethod.Post, "v1/m/" + RelayClient.NewId(), RelayClient.NewId(), correlationId: new string('x', 200));

        using var response = await _relay.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Mailbox-Correlation-ID"));
    }

    [Fact]
    public async Task Security_headers_are_on_every_answer()
    {
        using var response = await _relay.ReadAsync(RelayClient.NewId(), RelayClient.NewId());

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
