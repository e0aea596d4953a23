using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>The mailbox table's partition keys: stable for an identifier, spread evenly over the configured shards.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ShardTests
{
    [Fact]
    public void An_identifier_always_lands_in_the_same_shard()
    {
        // A fixed vector: the shard must never depend on the process (string.GetHashCode would).
        var id = new MailboxId(Guid.Parse("5f0c2a4e-3b7d-4c1e-9a2b-0d6e8f1a2b3c"));

        Assert.Equal(MailboxStore.ShardIndex(id, 64), MailboxStore.ShardIndex(new MailboxId(Guid.Parse(id.ToString())), 64));
        Assert.Equal(ExpectedShard(id, 64), MailboxStore.ShardIndex(id, 64));
    }

    [Fact]
    public void Ten_thousand_identifiers_spread_over_all_64_shards_evenly()
    {
        var counts = new int[64];
        for (var i = 0; i < 10_000; i++)
        {
            counts[MailboxStore.ShardIndex(MailboxId.New(), 64)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 100, 250)); // 156 on average
    }

    [Theory]
    [InlineData(0, "s00")]
    [InlineData(10, "s0a")]
    [InlineData(255, "sff")]
    public void Shard_names_are_s_and_two_hex_digits(int index, string name) => Assert.Equal(name, MailboxStore.ShardName(index));

    /// <summary>The documented derivation, written out independently: SHA-256 of the id's 16 big-endian bytes, first 4 bytes, modulo.</summary>
    private static int ExpectedShard(MailboxId id, int shards)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(id.Value.ToByteArray(bigEndian: true));
        var value = ((uint)hash[0] << 24) | ((uint)hash[1] << 16) | ((uint)hash[2] << 8) | hash[3];
        return (int)(value % (uint)shards);
    }
}
