using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Which partition ("s00".."sNN") holds a mailbox: HMAC-SHA256 of the id under a key derived from the relay key, modulo
/// the shard count; keyed so nobody can aim at one partition (docs/design.md, "Storage layout").
/// </summary>
internal sealed class MailboxShards
{
    /// <summary>"s00".."sff", made once: every request needs its mailbox's partition key.</summary>
    private static readonly string[] Names = [.. Enumerable.Range(0, 256).Select(i => "s" + i.ToString("x2", CultureInfo.InvariantCulture))];

    private readonly byte[] _key;

    public MailboxShards(byte[] key, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Names.Length);
        _key = key;
        Count = count;
    }

    /// <summary>The number of partitions (<c>Storage:Shards</c>), fixed for the life of a deployment's data.</summary>
    public int Count { get; }

    /// <summary>Every partition's name, in order: what the purge walks.</summary>
    public IEnumerable<string> All => Names.Take(Count);

    /// <summary>The partition key of <paramref name="id"/>.</summary>
    public string Of(MailboxId id) => Names[IndexOf(id)];

    public int IndexOf(MailboxId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.Value.TryWriteBytes(bytes, bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, bytes, hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)Count);
    }

    internal static string Name(int index) => Names[index];
}
