using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class NotificationHubConnectionTests
{
    private const string Key = "c2VjcmV0LWtleS12YWx1ZS13aXRoLXBhZGRpbmc9PQ==";

    [Fact]
    public void Sb_endpoint_is_reached_over_https()
    {
        var connection = NotificationHubConnection.Parse(
            $"Endpoint=sb://sct-relay.servicebus.windows.net/;SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey={Key}",
            "relay-hub");

        Assert.Equal("https://sct-relay.servicebus.windows.net/relay-hub", connection.ResourceUri.AbsoluteUri);
        Assert.Equal("https://sct-relay.servicebus.windows.net/relay-hub/messages/?direct&api-version=2015-04", connection.DirectSendUri.AbsoluteUri);
        Assert.Equal("DefaultFullSharedAccessSignature", connection.KeyName);
        Assert.Equal(Key, connection.Key); // '=' inside the key survives the Name=Value split
    }

    [Theory]
    [InlineData("http://127.0.0.1:7291/", "http://127.0.0.1:7291/hub/messages/?direct&api-version=2015-04")]
    [InlineData("https://hub.example:8443", "https://hub.example:8443/hub/messages/?direct&api-version=2015-04")]
    public void Http_and_https_endpoints_are_used_as_they_are(string endpoint, string directSend)
    {
        var connection = NotificationHubConnection.Parse($"Endpoint={endpoint};SharedAccessKeyName=k;SharedAccessKey={Key}", "hub");
        Assert.Equal(directSend, connection.DirectSendUri.AbsoluteUri);
    }

    [Fact]
    public void Names_are_case_insensitive_and_order_and_extra_parts_do_not_matter()
    {
        var connection = NotificationHubConnection.Parse(
            $" sharedaccesskey={Key} ; ENDPOINT=sb://ns.servicebus.windows.net/ ;EntityPath=ignored; SharedAccessKeyName=k;", "hub");
        Assert.Equal("https://ns.servicebus.windows.net/hub", connection.ResourceUri.AbsoluteUri);
    }

    [Theory]
    [InlineData("SharedAccessKeyName=k;SharedAccessKey=x", "hub", "no Endpoint")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=x", "hub", "no SharedAccessKeyName")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k", "hub", "no SharedAccessKey=")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=", "hub", "no SharedAccessKey=")]
    [InlineData("Endpoint=ftp://ns.example/;SharedAccessKeyName=k;SharedAccessKey=x", "hub", "not an sb://, https:// or http:// URL")]
    [InlineData("Endpoint=ns.servicebus.windows.net;SharedAccessKeyName=k;SharedAccessKey=x", "hub", "not an sb://, https:// or http:// URL")]
    [InlineData("just some text", "hub", "Name=Value pairs")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x", "bad hub/name", "HubName")]
    public void Malformed_settings_are_refused_with_a_message_that_says_what_to_fix(string connectionString, string hub, string expected)
    {
        var error = Assert.Throws<FormatException>(() => NotificationHubConnection.Parse(connectionString, hub));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_never_appears_in_text()
    {
        var connection = NotificationHubConnection.Parse($"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey={Key}", "hub");
        Assert.DoesNotContain(Key, connection.ToString(), StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => NotificationHubConnection.Parse($"Endpoint=nope;SharedAccessKeyName=k;SharedAccessKey={Key}", "hub"));
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }
}
