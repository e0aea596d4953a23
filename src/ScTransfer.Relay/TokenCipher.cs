using System.Security.Cryptography;
using System.Text;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay;

/// <summary>
/// Seals notification tokens (device identifiers in practice) for storage: AES-256-GCM under
/// <c>Relay:TokenEncryptionKey</c>, nonce(12) ‖ ciphertext ‖ tag(16), with mailbox id ‖ party ‖ token type as
/// associated data so a sealed token cannot be moved to another mailbox or party. Opened only to push.
/// </summary>
public sealed class TokenCipher
{
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private readonly byte[] _key;

    /// <param name="keys">The relay's keys, decoded and checked at start-up (<see cref="RelayKeys"/>).</param>
    public TokenCipher(RelayKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _key = keys.TokenEncryptionKey;
    }

    public SealedToken? Seal(MailboxId mailbox, MailboxRole party, NotificationToken? token)
    {
        if (token is null)
        {
            return null;
        }

        var plaintext = Encoding.UTF8.GetBytes(token.TokenData);
        var sealedBytes = new byte[NonceLength + plaintext.Length + TagLength];
        var nonce = sealedBytes.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceLength, plaintext.Length),
            sealedBytes.AsSpan(NonceLength + plaintext.Length), AssociatedData(mailbox, party, token.Type));
        return new SealedToken(token.Type, sealedBytes);
    }

    /// <summary>The token in clear, or null when it cannot be opened (another key, or moved): no push then.</summary>
    public NotificationToken? Open(MailboxId mailbox, MailboxRole party, SealedToken? token)
    {
        if (token is null || token.Sealed.Length < NonceLength + TagLength)
        {
            return null;
        }

        var sealedBytes = token.Sealed.AsSpan();
        var plaintext = new byte[sealedBytes.Length - NonceLength - TagLength];
        try
        {
            using var aes = new AesGcm(_key, TagLength);
            aes.Decrypt(sealedBytes[..NonceLength], sealedBytes.Slice(NonceLength, plaintext.Length),
                sealedBytes[(NonceLength + plaintext.Length)..], plaintext, AssociatedData(mailbox, party, token.Type));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return new NotificationToken(token.Type, Encoding.UTF8.GetString(plaintext));
    }

    private static byte[] AssociatedData(MailboxId mailbox, MailboxRole party, string type)
    {
        var data = new byte[17 + Encoding.UTF8.GetByteCount(type)];
        mailbox.Value.TryWriteBytes(data.AsSpan(0, 16));
        data[16] = (byte)party;
        Encoding.UTF8.GetBytes(type, data.AsSpan(17));
        return data;
    }
}
