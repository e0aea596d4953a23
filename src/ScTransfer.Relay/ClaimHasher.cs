using System.Security.Cryptography;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay;

/// <summary>
/// Keyed hashes of claims (HMAC-SHA256(relay key, mailbox id ‖ claim)) and of Correlation-IDs (under a derived key, with
/// the party), so storage reveals none and links no device across shares (draft §8.2; docs/design.md, "Storage layout").
/// </summary>
public sealed class ClaimHasher
{
    public const int HashLength = 32;
    private readonly byte[] _key;
    private readonly byte[] _correlationKey;
    private readonly byte[] _identifierKey;

    /// <param name="keys">The relay's keys, decoded and checked at start-up (<see cref="RelayKeys"/>).</param>
    public ClaimHasher(RelayKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _key = keys.ClaimHashKey;
        // A separate key for Correlation-IDs (domain separation): no claim hash can ever equal a Correlation-ID hash.
        _correlationKey = keys.DeriveKey("sct-correlation-id-v1"u8);
        _identifierKey = keys.DeriveKey("sct-mailbox-id-v1"u8);
    }

    /// <summary>
    /// The identifier the relay names for a create without <c>mailboxIdentifier</c> that carries a Correlation-ID, so its
    /// retry names the same mailbox (§5); unrelatable without the key (§8.2; docs/compatibility.md).
    /// </summary>
    public MailboxId IdentifierFor(DeviceClaim claim, string correlationId)
    {
        var input = new byte[16 + System.Text.Encoding.UTF8.GetByteCount(correlationId)];
        claim.WriteBytes(input.AsSpan(0, 16));
        System.Text.Encoding.UTF8.GetBytes(correlationId, input.AsSpan(16));
        Span<byte> hash = stackalloc byte[HashLength];
        HMACSHA256.HashData(_identifierKey, input, hash);
        return MailboxId.FromRandomBytes(hash);
    }

    public byte[] Hash(MailboxId mailbox, DeviceClaim claim)
    {
        Span<byte> input = stackalloc byte[32];
        mailbox.Value.TryWriteBytes(input[..16]);
        claim.WriteBytes(input[16..]);
        var hash = new byte[HashLength];
        HMACSHA256.HashData(_key, input, hash);
        return hash;
    }

    /// <summary>Whether <paramref name="claim"/> is the claim behind <paramref name="storedHash"/>, compared in constant time.</summary>
    public bool Matches(MailboxId mailbox, DeviceClaim claim, byte[]? storedHash) => Same(Hash(mailbox, claim), storedHash);

    /// <summary>Which party presented this claim, compared in constant time.</summary>
    public MailboxRole RoleOf(Mailbox mailbox, DeviceClaim claim)
    {
        var hash = Hash(mailbox.Id, claim);
        return Same(hash, mailbox.SenderClaimHash) ? MailboxRole.Sender
            : Same(hash, mailbox.ReceiverClaimHash) ? MailboxRole.Receiver
            : MailboxRole.None;
    }

    /// <summary>The keyed hash stored for a Correlation-ID one party sent; null for none.</summary>
    public byte[]? HashCorrelation(MailboxId mailbox, MailboxRole party, string? correlationId)
    {
        if (correlationId is null)
        {
            return null;
        }

        var input = new byte[17 + System.Text.Encoding.UTF8.GetByteCount(correlationId)];
        mailbox.Value.TryWriteBytes(input.AsSpan(0, 16));
        input[16] = (byte)party;
        System.Text.Encoding.UTF8.GetBytes(correlationId, input.AsSpan(17));
        return HMACSHA256.HashData(_correlationKey, input);
    }

    /// <summary>Whether <paramref name="correlationId"/> is the one behind <paramref name="stored"/>, compared in constant time.</summary>
    public bool SameCorrelation(MailboxId mailbox, MailboxRole party, string? correlationId, byte[]? stored) =>
        correlationId is not null && Same(HashCorrelation(mailbox, party, correlationId)!, stored);

    private static bool Same(byte[] hash, byte[]? stored) => stored is not null && CryptographicOperations.FixedTimeEquals(hash, stored);
}
