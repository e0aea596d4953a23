namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The relay's two secrets, <c>Relay__ClaimHashKey</c> and <c>Relay__TokenEncryptionKey</c>, decoded once by the rules
/// the start-up check reports (<see cref="RelayOptionsValidator"/>); what <see cref="ClaimHasher"/>,
/// <see cref="TokenCipher"/> and the Privacy Pass policy are given, so none of them reads the settings again.
/// </summary>
public sealed class RelayKeys
{
    /// <summary>Shortest claim-hash key: the HMAC-SHA256 block's worth of entropy is 32 bytes.</summary>
    public const int MinClaimHashKeyBytes = 32;

    /// <summary>An AES-256 key.</summary>
    public const int TokenEncryptionKeyBytes = 32;

    private const string Generate = "e.g. the output of 'openssl rand -base64 32'";

    private RelayKeys(byte[] claimHashKey, byte[] tokenEncryptionKey)
    {
        ClaimHashKey = claimHashKey;
        TokenEncryptionKey = tokenEncryptionKey;
    }

    /// <summary>The HMAC key of claim hashes, at least <see cref="MinClaimHashKeyBytes"/> bytes.</summary>
    internal byte[] ClaimHashKey { get; }

    /// <summary>The AES-256-GCM key that seals stored notification tokens.</summary>
    internal byte[] TokenEncryptionKey { get; }

    /// <summary>A key for another purpose (the mailbox table's shards), derived from the claim-hash key under <paramref name="label"/>.</summary>
    internal byte[] DeriveKey(ReadOnlySpan<byte> label) => System.Security.Cryptography.HMACSHA256.HashData(ClaimHashKey, label);

    /// <summary>The keys of <paramref name="options"/>; a missing or malformed key throws, naming each wrong one.</summary>
    public static RelayKeys From(RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new SettingErrors(RelayOptions.SectionName);
        return Parse(options, errors) ?? throw new InvalidOperationException(string.Join(" ", errors.Messages));
    }

    /// <summary>Decodes both keys, adding to <paramref name="errors"/> what is wrong with each (never its value).</summary>
    internal static RelayKeys? Parse(RelayOptions options, SettingErrors errors)
    {
        var claimHashKey = Decode(options.ClaimHashKey, nameof(RelayOptions.ClaimHashKey), errors,
            length => length >= MinClaimHashKeyBytes, $"at least {MinClaimHashKeyBytes} bytes");
        var tokenEncryptionKey = Decode(options.TokenEncryptionKey, nameof(RelayOptions.TokenEncryptionKey), errors,
            length => length == TokenEncryptionKeyBytes, $"exactly {TokenEncryptionKeyBytes} bytes (AES-256)");
        return claimHashKey is null || tokenEncryptionKey is null ? null : new RelayKeys(claimHashKey, tokenEncryptionKey);
    }

    private static byte[]? Decode(string? configured, string key, SettingErrors errors, Func<int, bool> fits, string length)
    {
        if (KeyVaultReference.IsUnresolved(configured))
        {
            errors.Add(KeyVaultReference.CannotServeWithout(errors.Name(key)));
            return null;
        }

        if (string.IsNullOrWhiteSpace(configured))
        {
            errors.Add(key, $"is not set; give a base64 key of {length}, {Generate}.");
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(configured);
        }
        catch (FormatException)
        {
            errors.Add(key, $"is not base64; give a base64 key of {length}, {Generate}.");
            return null;
        }

        if (!fits(bytes.Length))
        {
            errors.Add(key, $"is {bytes.Length} bytes; give a base64 key of {length}, {Generate}.");
            return null;
        }

        return bytes;
    }
}
