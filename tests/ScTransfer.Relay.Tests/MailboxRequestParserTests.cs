using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>The body rules of §6.1.4 / §6.2.4 and the later revisions' spellings.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class MailboxRequestParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly MailboxRequestParser _parser = new(Options.Create(StoreHarness.RelayOptionsForTests()), new FakeTimeProvider(Now));
    private static readonly string Data = Convert.ToBase64String(new byte[32]);

    private CreateMailboxRequest ParseCreate(string configuration, string extra = "")
    {
        var body = $$"""{"displayInformation":{"title":"t"},"payload":{"type":"AES128","data":"{{Data}}"}{{extra}}{{configuration}}}""";
        Assert.True(_parser.TryParseCreate(Encoding.UTF8.GetBytes(body), out var request, out var error), error?.Detail);
        return request!;
    }

    private ProtocolError RejectCreate(string body)
    {
        Assert.False(_parser.TryParseCreate(Encoding.UTF8.GetBytes(body), out _, out var error));
        return error!;
    }

    [Theory]
    [InlineData("\"8640\"")]
    [InlineData("8640")]
    public void Time_to_live_is_seconds_as_a_string_or_a_number(string ttl)
    {
        var request = ParseCreate($$""","mailboxConfiguration":{"timeToLive":{{ttl}}}""");

        Assert.Equal(Now.AddSeconds(8640), request.ExpiresAt);
        Assert.Equal(AccessRights.Read | AccessRights.Delete, request.AccessRights);
    }

    [Fact]
    public void Without_configuration_or_identifier_the_relay_chooses_them()
    {
        var request = ParseCreate("");

        Assert.Equal(Now.AddHours(48), request.ExpiresAt);
        Assert.Null(request.MailboxId); // named by MailboxService.CreateAsync (IdempotencyRuleTests)
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")] // nil
    [InlineData("c232ab00-9414-11ec-b3c8-9f6bdeced846")] // version 1
    [InlineData("017f22e2-79b0-7cc3-98c4-dc0c0c07398f")] // version 7
    [InlineData("0b8f6f7e-1c2d-4e5f-ca9b-0c1d2e3f4a5b")] // version 4 nibble, another variant
    public void A_mailbox_identifier_that_is_not_a_version_4_UUID_is_refused_saying_so(string id)
    {
        var error = RejectCreate($$"""{"mailboxIdentifier":"{{id}}","displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"} }""");

        Assert.Equal(400, error.Status);
        Assert.Contains("'mailboxIdentifier' must be a version 4 (random) UUID", error.Detail, StringComparison.Ordinal);
        Assert.Contains("draft §8", error.Detail, StringComparison.Ordinal);
        Assert.Equal(Guid.Parse("0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), ParseCreate("", ",\"mailboxIdentifier\":\"0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"").MailboxId!.Value.Value);
    }

    [Fact]
    public void Expiration_may_replace_time_to_live_and_must_agree_with_it_when_both_are_given()
    {
        Assert.Equal(Now.AddHours(1), ParseCreate(""","mailboxConfiguration":{"expiration":"2026-11-28T13:00:00Z"}""").ExpiresAt);
        Assert.Equal(Now.AddHours(1), ParseCreate(""","mailboxConfiguration":{"expiration":"2026-11-28T14:00:00+01:00","timeToLive":"3600"}""").ExpiresAt);
        Assert.Contains("disagree", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"},"mailboxConfiguration":{"expiration":"2026-11-28T13:00:00Z","timeToLive":"60"} }""").Detail);
        Assert.Contains("disagree", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"},"mailboxConfiguration":{"expiration":"2026-11-28T13:00:00Z","timeToLive":"3631"} }""").Detail);
        Assert.Contains("future", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"},"mailboxConfiguration":{"expiration":"2026-11-28T11:00:00Z"} }""").Detail);
        Assert.Contains("future", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"},"mailboxConfiguration":{"expiration":"2027-11-28T11:00:00Z"} }""").Detail);
        Assert.Contains("RFC 3339", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{Data}}"},"mailboxConfiguration":{"expiration":"28/11/2026"} }""").Detail);
    }

    [Theory]
    [InlineData("2026-11-28T12:59:59Z", "3600")] // the phone truncated its moment to a second
    [InlineData("2026-11-28T12:59:30Z", "3600")] // and sent it over a slow network, or its clock is a little behind
    [InlineData("2026-11-28T13:00:30Z", "3600")] // or a little ahead
    public void Time_to_live_and_expiration_a_few_seconds_apart_name_one_moment_and_expiration_wins(string expiration, string ttl)
    {
        var request = ParseCreate($$""","mailboxConfiguration":{"expiration":"{{expiration}}","timeToLive":"{{ttl}}"}""");

        Assert.Equal(DateTimeOffset.Parse(expiration, System.Globalization.CultureInfo.InvariantCulture), request.ExpiresAt);
    }

    [Theory]
    [InlineData("AES128")]
    [InlineData("AES256")]
    [InlineData("AEAD_AES_128_GCM")]
    [InlineData("AEAD_AES_256_GCM")]
    public void Every_revisions_payload_type_is_kept_as_sent(string type)
    {
        var body = $$"""{"payload":{"type":"{{type}}","data":"{{Data}}"},"notificationToken":{"type":"com.google.fcm","tokenData":"abc"} }""";
        Assert.True(_parser.TryParseUpdate(Encoding.UTF8.GetBytes(body), out var request, out _));
        Assert.Equal(type, request!.Payload!.Type);
    }

    [Theory]
    [InlineData("RWD", AccessRights.Read | AccessRights.Write | AccessRights.Delete)]
    [InlineData("DR", AccessRights.Read | AccessRights.Delete)]
    [InlineData("W", AccessRights.Write)]
    public void Access_rights_combine_R_W_and_D(string text, AccessRights expected)
    {
        Assert.True(AccessRightsFormat.TryParse(text, out var rights));
        Assert.Equal(expected, rights);
    }

    [Theory]
    [InlineData("")]
    [InlineData("RR")]
    [InlineData("rwd")]
    [InlineData("RWDX")]
    public void Other_access_rights_are_refused(string text) => Assert.False(AccessRightsFormat.TryParse(text, out _));

    [Fact]
    public void Nesting_deeper_than_eight_levels_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 20)) + "1" + new string('}', 20);
        Assert.Contains("not valid JSON", RejectCreate(deep).Detail);
    }

    [Theory]
    [InlineData("QUJD\nREVG")]
    [InlineData("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo")]
    [InlineData("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=====")]
    public void Payload_data_must_be_strict_padded_base64(string data) =>
        Assert.Contains("base64", RejectCreate($$"""{"displayInformation":{},"payload":{"type":"AES128","data":"{{data.Replace("\n", "\\n", StringComparison.Ordinal)}}"} }""").Detail);

    [Fact]
    public void Token_data_that_could_inject_a_header_is_refused()
    {
        var body = $$"""{"payload":{"type":"AES128","data":"{{Data}}"},"notificationToken":{"type":"com.apple.apns","tokenData":"abc\r\nX-Evil: 1"} }""";
        Assert.False(_parser.TryParseUpdate(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Contains("tokenData", error!.Detail);
    }

    [Fact]
    public void Errors_never_repeat_what_the_client_sent()
    {
        var secret = "TOPSECRETTOKEN";
        var body = $$"""{"payload":{"type":"{{secret}}","data":"{{secret}}"} }""";
        Assert.False(_parser.TryParseUpdate(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.DoesNotContain(secret, error!.Detail);
        Assert.False(_parser.TryParseUpdate(Encoding.UTF8.GetBytes("{\"x\": " + secret), out _, out error));
        Assert.DoesNotContain(secret, error!.Detail);
    }
}
