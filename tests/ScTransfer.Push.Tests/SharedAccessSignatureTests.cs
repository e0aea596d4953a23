using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class SharedAccessSignatureTests
{
    private const string Key = "SGVsbG8tdGVzdC1rZXktZm9yLXNhcy12ZWN0b3I=";

    [Fact]
    public void Token_matches_a_known_vector()
    {
        // Computed independently (Python hmac/urllib): sig = Base64(HMAC-SHA256(UTF-8(key), enc(uri) + "\n" + se)).
        var token = SharedAccessSignature.Create(
            new Uri("https://sct-relay.servicebus.windows.net/relay-hub"), "DefaultFullSharedAccessSignature", Key,
            DateTimeOffset.FromUnixTimeSeconds(1767225600));

        Assert.Equal(
            "SharedAccessSignature sr=https%3a%2f%2fsct-relay.servicebus.windows.net%2frelay-hub"
            + "&sig=hnaBmokQzHwAp8Fx4UGh2c0ZWWC1zcDKTQ9z3V1vEMQ%3d&se=1767225600&skn=DefaultFullSharedAccessSignature",
            token);
    }

    [Fact]
    public void Resource_uri_is_signed_lower_cased()
    {
        var expiry = DateTimeOffset.FromUnixTimeSeconds(1767225600);
        Assert.Equal(
            SharedAccessSignature.Create(new Uri("https://sct-relay.servicebus.windows.net/relay-hub"), "k", Key, expiry),
            SharedAccessSignature.Create(new Uri("https://SCT-Relay.servicebus.windows.net/Relay-Hub"), "k", Key, expiry));
    }

    [Fact]
    public void Token_is_reused_until_shortly_before_it_expires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var connection = NotificationHubConnection.Parse(
            $"Endpoint=sb://sct-relay.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={Key}", "relay-hub");
        var cache = new SharedAccessTokenCache(connection, time);

        var first = cache.GetToken();
        Assert.Contains($"&se={time.GetUtcNow().Add(SharedAccessTokenCache.Lifetime).ToUnixTimeSeconds()}&", first, StringComparison.Ordinal);

        time.Advance(SharedAccessTokenCache.Lifetime - SharedAccessTokenCache.RenewBefore - TimeSpan.FromSeconds(1));
        Assert.Same(first, cache.GetToken());

        time.Advance(TimeSpan.FromSeconds(1));
        var renewed = cache.GetToken();
        Assert.NotEqual(first, renewed);
        Assert.Contains($"&se={time.GetUtcNow().Add(SharedAccessTokenCache.Lifetime).ToUnixTimeSeconds()}&", renewed, StringComparison.Ordinal);
    }
}
