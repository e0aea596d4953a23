using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The relay's JSON answers read as written (RelayResults.JsonEncoder): a problem detail printed in a terminal says
/// <c>'payload'</c> and <c>§7</c>, not <c>\u0027payload\u0027</c> and <c>\u00A7</c>, and stays valid JSON.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayResultsTests
{
    private const string Detail = "'payload' is required and must be an object with 'type' and 'data' (draft §7).";

    [Fact]
    public async Task A_problem_detail_keeps_its_apostrophes_and_section_signs()
    {
        var http = HttpResultRunner.NewContext();

        var (status, detail) = await HttpResultRunner.RunAsync(RelayResults.Problem(ProtocolError.BadRequest(Detail)), http);

        var body = Answer.Of(http).Body;
        Assert.Equal(400, status);
        Assert.Equal(Detail, detail);
        Assert.Contains("\"detail\":\"" + Detail + "\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_JSON_answer_keeps_them_too()
    {
        var http = HttpResultRunner.NewContext();

        await RelayResults.Json(200, json =>
        {
            json.WriteStartObject();
            json.WriteString("note", "§7's nonce");
            json.WriteEndObject();
        }).ExecuteAsync(http);

        Assert.Equal("{\"note\":\"§7's nonce\"}", Answer.Of(http).Body);
    }

    /// <summary>What relaxed escaping still escapes: what would end the string or break the document.</summary>
    [Fact]
    public async Task Quotes_backslashes_and_control_characters_are_still_escaped()
    {
        const string awkward = "a \"quoted\" \\ path\nand a tab\t";
        var http = HttpResultRunner.NewContext();

        var (_, detail) = await HttpResultRunner.RunAsync(RelayResults.Problem(ProtocolError.BadRequest(awkward)), http);

        Assert.Equal(awkward, detail);
        Assert.Contains("a \\\"quoted\\\" \\\\ path\\nand a tab\\t", Answer.Of(http).Body, StringComparison.Ordinal);
    }
}
