using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The spent-nonce tables on real Azurite: one insert per spend, 409 on a second, windows dropped whole, found by a key
/// range of the table listing that holds only closed windows.
/// </summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class SpentNonceStoreTests
{
    [Fact]
    public async Task A_nonce_is_spent_once_and_the_purge_drops_only_windows_whose_challenges_closed()
    {
        using var issuer = new PrivacyPassTestIssuer();
        var prefix = Azurite.UniqueTableName("ppn");
        var policy = new PrivacyPassPolicy(
            Options.Create(new PrivacyPassOptions { IssuerName = "issuer.test.example", IssuerPublicKeys = issuer.SpkiBase64, ChallengeWindowSeconds = 600, NonceTablePrefix = prefix }),
            RelayKeys.From(StoreHarness.RelayOptionsForTests()),
            PublicBaseUrl.From(StoreHarness.RelayOptionsForTests()));
        var requests = new RequestCounter();
        var clientOptions = new Azure.Data.Tables.TableClientOptions();
        clientOptions.AddPolicy(requests, Azure.Core.HttpPipelinePosition.PerRetry);
        var service = Azurite.CreateServiceClient(clientOptions);
        var store = new SpentNonceStore(service, policy, NullLogger<SpentNonceStore>.Instance);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var current = policy.WindowAt(now);

        var hash = policy.NonceHash(new byte[32]);
        Assert.True(await store.TrySpendAsync(current, hash, policy.AcceptedUntil(current), default));
        Assert.False(await store.TrySpendAsync(current, hash, policy.AcceptedUntil(current), default));
        Assert.True(await store.TrySpendAsync(current - 1, hash, policy.AcceptedUntil(current - 1), default)); // each window its own table
        foreach (var old in new[] { current - 2, current - 5 })
        {
            Assert.True(await store.TrySpendAsync(old, hash, policy.AcceptedUntil(old), default));
        }

        requests.Reset();
        Assert.Equal(2, await store.PurgeAsync(now, default));

        // The listing asks for a key range that ends before the live windows: it reads only what is due.
        var listing = Assert.Single(requests.Requests, r => r.StartsWith("GET ", StringComparison.Ordinal));
        Assert.EndsWith($"$filter=TableName ge '{prefix}' and TableName lt '{store.TableFor(current - 1)}'", listing, StringComparison.Ordinal);

        var left = new List<string>();
        await foreach (var table in service.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + ":") < 0))
        {
            left.Add(table.Name);
        }

        Assert.Equal(new[] { store.TableFor(current - 1), store.TableFor(current) }, left.Order().ToArray());
        Assert.Equal(0, await store.PurgeAsync(now, default));
    }
}
