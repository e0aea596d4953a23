using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Tests;

/// <summary>The expiry index's partition keys: spread within a bucket, ordered across buckets for the purge's range query.</summary>
public sealed class ExpiryIndexTests
{
    private static readonly DateTimeOffset Expiry = new(2026, 11, 28, 12, 0, 5, TimeSpan.Zero);

    [Fact]
    public void Creates_with_the_same_lifetime_spread_over_several_partitions()
    {
        var partitions = Enumerable.Range(0, 200).Select(_ => MailboxStore.IndexPartition(Expiry, MailboxId.New())).ToHashSet();

        Assert.InRange(partitions.Count, 12, 16);
    }

    [Fact]
    public void Every_shard_of_a_bucket_sorts_after_the_bucket_before_and_before_the_bucket_after()
    {
        var thisBucket = MailboxStore.Bucket(Expiry);
        var nextBucket = MailboxStore.Bucket(Expiry.AddSeconds(10));
        var previousBucket = MailboxStore.Bucket(Expiry.AddSeconds(-10));

        foreach (var partition in Enumerable.Range(0, 100).Select(_ => MailboxStore.IndexPartition(Expiry, MailboxId.New())))
        {
            Assert.StartsWith(thisBucket + "-", partition);
            Assert.True(string.CompareOrdinal(partition, nextBucket) < 0, "a passed bucket's shards are inside the purge's range");
            Assert.True(string.CompareOrdinal(partition, thisBucket) > 0, "the current bucket's shards stay outside it");
            Assert.True(string.CompareOrdinal(partition, previousBucket) > 0);
        }
    }
}
