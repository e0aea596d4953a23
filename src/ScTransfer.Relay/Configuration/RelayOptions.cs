using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>The relay's protocol settings (configuration section <c>Relay</c>, env <c>Relay__*</c>).</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>
    /// The public base URL share links are built from, e.g. <c>https://relay.example.com</c> (parsed once:
    /// <see cref="Configuration.PublicBaseUrl"/>). Links are never built from the request's Host header, which a client controls.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>
    /// Base64 key (at least 32 bytes) for the HMAC that turns device claims into stored hashes. Keep it secret and
    /// stable: rotating it makes existing mailboxes unreachable until they expire. Decoded once: <see cref="RelayKeys"/>.
    /// </summary>
    public string ClaimHashKey { get; set; } = "";

    /// <summary>
    /// Base64 AES-256 key (exactly 32 bytes) that seals stored notification tokens (AES-GCM, associated data = mailbox
    /// id and party), so a storage dump holds no device identifier. Keep it secret and stable: rotating it loses the
    /// stored tokens (pushes stop for existing mailboxes; nothing else changes). Decoded once: <see cref="RelayKeys"/>.
    /// </summary>
    public string TokenEncryptionKey { get; set; } = "";

    /// <summary>Largest accepted <c>timeToLive</c>, in seconds (default 7 days).</summary>
    [Range(60, 31_536_000)]
    public int MaxTimeToLiveSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>
    /// Lifetime given to a mailbox created without <c>mailboxConfiguration</c> (later revisions; default 48 hours); at
    /// most <see cref="MaxTimeToLiveSeconds"/>.
    /// </summary>
    [Range(60, 31_536_000)]
    public int DefaultTimeToLiveSeconds { get; set; } = 48 * 3600;

    /// <summary>Largest decoded payload in bytes (default 128 KiB). Larger payloads get 413.</summary>
    [Range(28, 900 * 1024)]
    public int MaxPayloadBytes { get; set; } = 128 * 1024;

    /// <summary>Largest <c>displayInformation</c> object, in UTF-8 bytes of its JSON (default 8 KiB).</summary>
    [Range(64, 32 * 1024)]
    public int MaxDisplayInformationBytes { get; set; } = 8 * 1024;

    /// <summary>Request bodies above this are refused with 413 before they are read whole.</summary>
    public int MaxRequestBodyBytes => ((MaxPayloadBytes + 2) / 3 * 4) + MaxDisplayInformationBytes + 8 * 1024;
}

/// <summary>
/// <c>Relay__*</c>: the ranges above, the public base URL (<see cref="Configuration.PublicBaseUrl"/>) and the two keys
/// (<see cref="RelayKeys"/>), parsed here by the same code that hands them to the services, and a default lifetime the
/// maximum allows.
/// </summary>
internal sealed class RelayOptionsValidator() : SettingsValidator<RelayOptions>(RelayOptions.SectionName)
{
    protected override void Check(RelayOptions options, SettingErrors errors)
    {
        Configuration.PublicBaseUrl.Parse(options.PublicBaseUrl, errors);
        RelayKeys.Parse(options, errors);
        if (options.DefaultTimeToLiveSeconds > options.MaxTimeToLiveSeconds)
        {
            errors.Add(nameof(RelayOptions.DefaultTimeToLiveSeconds),
                $"({options.DefaultTimeToLiveSeconds}) is longer than {errors.Name(nameof(RelayOptions.MaxTimeToLiveSeconds))} ({options.MaxTimeToLiveSeconds}); "
                + "a mailbox created without a lifetime must get one the relay allows: give at most the maximum.");
        }
    }
}
