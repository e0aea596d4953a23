using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// A problem detail reads as written on both hosts: what a terminal prints (curl, the CLI) says <c>'payload'</c> and
/// <c>§7</c>, not <c>\u0027payload\u0027</c> and <c>\u00A7</c> (RelayResults.JsonEncoder).
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class ProblemTextTests(RelayFixture fixture)
{
    [Fact]
    public async Task A_problem_detail_arrives_with_its_apostrophes_and_section_signs_as_they_are()
    {
        var body = RelayClient.CreateBody(RelayClient.NewId());
        body.Remove("payload");

        using var response = await fixture.Client.CreateAsync(body, RelayClient.NewId());
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"detail\":\"'payload' is required", raw, StringComparison.Ordinal);
        Assert.Contains("(draft §7).\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", raw, StringComparison.Ordinal);
    }
}
