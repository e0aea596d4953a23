using System.ComponentModel.DataAnnotations;
using ScTransfer.Relay.PrivacyPass;

namespace ScTransfer.Relay.Configuration;

/// <summary>When a Privacy Pass token (RFC 9577, type 0x0002 of RFC 9578) is asked of a request.</summary>
public enum PrivacyPassMode
{
    /// <summary>Tokens are neither asked for nor looked at (today's behaviour).</summary>
    Off,

    /// <summary>A request without a token goes ahead; a token that is sent must be valid and unspent, else 401.</summary>
    Optional,

    /// <summary>Every request needs a valid, unspent token; without one it gets 401 with a PrivateToken challenge.</summary>
    Required,
}

/// <summary>
/// Privacy Pass for CreateMailbox and the first read (configuration section <c>PrivacyPass</c>, env <c>PrivacyPass__*</c>).
/// This is draft §8.2's <c>deviceAttestation</c> done so that it identifies no device and differs for every share.
/// </summary>
public sealed class PrivacyPassOptions
{
    public const string SectionName = "PrivacyPass";

    /// <summary>The issuer's server name (host and optional port, RFC 9577 §2.1.1.1), e.g. <c>issuer.example.net</c>.</summary>
    public string IssuerName { get; set; } = "";

    /// <summary>
    /// The issuer's public keys for token type 0x0002: DER SubjectPublicKeyInfo with the RSASSA-PSS OID (RFC 9578 §6.5),
    /// base64 or base64url, separated by commas or whitespace. The first is the one challenges advertise; the others are
    /// still accepted (rotation).
    /// </summary>
    public string IssuerPublicKeys { get; set; } = "";

    /// <summary>Whether CreateMailbox asks for a token.</summary>
    public PrivacyPassMode CreateMailbox { get; set; } = PrivacyPassMode.Off;

    /// <summary>Whether the read that would bind a new receiver (draft §6.5) asks for a token. Other reads never do.</summary>
    public PrivacyPassMode ReadSecureContent { get; set; } = PrivacyPassMode.Off;

    /// <summary>
    /// Length of the time window the challenge's redemption context names. A challenge is accepted in its window and
    /// the next, so its max-age is at least this long; spent nonces are kept for as long, then dropped whole.
    /// </summary>
    [Range(60, 86_400)]
    public int ChallengeWindowSeconds { get; set; } = 3600;

    /// <summary>Prefix of the per-window tables that hold keyed hashes of spent nonces (one table per window).</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,40}$")]
    public string NonceTablePrefix { get; set; } = "privacypassnonces";

    public bool IsEnabled => CreateMailbox != PrivacyPassMode.Off || ReadSecureContent != PrivacyPassMode.Off;
}

/// <summary>
/// <c>PrivacyPass__*</c>: every issuer key readable as an RSA-2048 SubjectPublicKeyInfo with the RSASSA-PSS OID (each
/// wrong one named by its position), an issuer name that is a server name, both present while a mode is on, and the
/// ranges above.
/// </summary>
internal sealed class PrivacyPassOptionsValidator() : SettingsValidator<PrivacyPassOptions>(PrivacyPassOptions.SectionName)
{
    protected override void Check(PrivacyPassOptions options, SettingErrors errors)
    {
        var keys = PrivacyPassPolicy.KeyTexts(options.IssuerPublicKeys);
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                IssuerKey.Parse(keys[i], i + 1);
            }
            catch (InvalidOperationException wrong)
            {
                errors.Add(wrong.Message);
            }
        }

        var modes = $"{errors.Name(nameof(PrivacyPassOptions.CreateMailbox))} or {errors.Name(nameof(PrivacyPassOptions.ReadSecureContent))}";
        if (options.IsEnabled && keys.Count == 0)
        {
            errors.Add(nameof(PrivacyPassOptions.IssuerPublicKeys),
                $"is required while {modes} is not 'off': the issuer's SubjectPublicKeyInfo (RSASSA-PSS OID), base64.");
        }

        var issuer = options.IssuerName.Trim();
        if (options.IsEnabled && issuer.Length == 0)
        {
            errors.Add(nameof(PrivacyPassOptions.IssuerName), $"is required while {modes} is not 'off': the issuer's host name, e.g. issuer.example.net.");
        }
        else if (issuer.Length > 0 && !IsServerName(issuer))
        {
            errors.Add(nameof(PrivacyPassOptions.IssuerName), "must be a server name (host and optional port, no scheme, path or user info; RFC 9577 §2.1.1.1).");
        }
    }

    private static bool IsServerName(string name) =>
        name.All(char.IsAscii) && !name.Contains('@', StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal)
        && Uri.TryCreate("https://" + name, UriKind.Absolute, out var uri)
        && string.Equals(uri.Authority, name, StringComparison.OrdinalIgnoreCase);
}
