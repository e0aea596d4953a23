using System.Security.Cryptography;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The mailbox table's partition keys: stable for an identifier, spread evenly over the configured shards, and keyed, so
/// that nobody without the relay's key can tell which identifiers share a partition (docs/design.md, "Storage layout").
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ShardTests
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    [Fact]
    public void An_identifier_always_lands_in_the_same_shard()
    {
        // A fixed vector: the shard must never depend on the process (string.GetHashCode would).
        var id = new MailboxId(Guid.Parse("5f0c2a4e-3b7d-4c1e-9a2b-0d6e8f1a2b3c"));

        Assert.Equal(new MailboxShards(Key, 64).IndexOf(id), new MailboxShards(Key.ToArray(), 64).IndexOf(new MailboxId(Guid.Parse(id.ToString()))));
        Assert.Equal(ExpectedShard(Key, id, 64), new MailboxShards(Key, 64).IndexOf(id));
    }

    [Fact]
    public void Ten_thousand_identifiers_spread_over_all_64_shards_evenly()
    {
        var shards = new MailboxShards(RandomNumberGenerator.GetBytes(32), 64);
        var counts = new int[64];
        for (var i = 0; i < 10_000; i++)
        {
            counts[shards.IndexOf(MailboxId.New())]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 100, 250)); // 156 on average
    }

    [Fact]
    public void Without_the_key_the_shard_cannot_be_computed_identifiers_that_share_one_under_a_key_are_spread_under_another()
    {
        // What an attacker grinding identifiers against a guessed function would get: 64 ids that all share a shard under
        // one key land all over the table under the relay's actual key (and unkeyed SHA-256 is no longer the function).
        var guessed = new MailboxShards(RandomNumberGenerator.GetBytes(32), 64);
        var actual = new MailboxShards(RandomNumberGenerator.GetBytes(32), 64);
        var aimed = Enumerable.Range(0, 100_000).Select(_ => MailboxId.New()).Where(id => guessed.IndexOf(id) == 7).Take(64).ToList();

        Assert.Equal(64, aimed.Count);
        Assert.True(aimed.Select(actual.IndexOf).Distinct().Count() > 20, "aimed identifiers stay together under another key");
        Assert.True(aimed.Count(id => actual.IndexOf(id) == UnkeyedShard(id, 64)) < 10, "the shard is still the unkeyed SHA-256");
    }

    [Theory]
    [InlineData(0, "s00")]
    [InlineData(10, "s0a")]
    [InlineData(255, "sff")]
    public void Shard_names_are_s_and_two_hex_digits(int index, string name) => Assert.Equal(name, MailboxShards.Name(index));

    [Fact]
    public void The_purge_walks_every_configured_shard_once() =>
        Assert.Equal(Enumerable.Range(0, 16).Select(MailboxShards.Name), new MailboxShards(Key, 16).All);

    /// <summary>The documented derivation, written out independently: HMAC-SHA256 of the id's 16 big-endian bytes, first 4 bytes, modulo.</summary>
    private static int ExpectedShard(byte[] key, MailboxId id, int shards)
    {
        var hash = HMACSHA256.HashData(key, id.Value.ToByteArray(bigEndian: true));
        var value = ((uint)hash[0] << 24) | ((uint)hash[1] << 16) | ((uint)hash[2] << 8) | hash[3];
        return (int)(value % (uint)shards);
    }

    private static int UnkeyedShard(MailboxId id, int shards)
    {
        var hash = SHA256.HashData(id.Value.ToByteArray(bigEndian: true));
        var value = ((uint)hash[0] << 24) | ((uint)hash[1] << 16) | ((uint)hash[2] << 8) | hash[3];
        return (int)(value % (uint)shards);
    }
}
