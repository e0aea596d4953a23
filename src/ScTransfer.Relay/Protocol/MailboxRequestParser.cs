using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Protocol;

/// <summary>
/// Turns request bodies into validated requests, or into a <see cref="ProtocolError"/> that names the field to fix.
/// Every rule about what a body's fields may hold lives here, once; whether the bytes are a JSON object at all is
/// <see cref="RequestJson"/>'s job.
/// </summary>
public sealed class MailboxRequestParser(IOptions<RelayOptions> options, TimeProvider time)
{
    /// <summary>How far apart `timeToLive` and `expiration` may be and still name one moment: rounding, transit, clock skew.</summary>
    public static readonly TimeSpan LifetimeAgreementTolerance = TimeSpan.FromSeconds(30);

    private readonly RelayOptions _options = options.Value;

    public bool TryParseCreate(ReadOnlyMemory<byte> body, out CreateMailboxRequest? request, out ProtocolError? error)
    {
        request = null;
        if (!RequestJson.TryOpen(body, out var document, out error))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;

            // Later revisions let the relay choose the identifier; one that is present must be a version 4 UUID (draft §8).
            MailboxId? id = null;
            if (root.TryGetProperty("mailboxIdentifier", out var idElement))
            {
                if (idElement.ValueKind != JsonValueKind.String || !MailboxId.TryParse(idElement.GetString(), out var named))
                {
                    error = ProtocolError.BadRequest($"'mailboxIdentifier' must be {MailboxId.Requirement}.");
                    return false;
                }

                id = named;
            }

            if (!TryReadDisplayInformation(root, out var display, out error)
                || !TryReadPayload(root, out var payload, out error)
                || !TryReadToken(root, required: false, out var token, out error)
                || !TryReadConfiguration(root, out var rights, out var expiresAt, out error))
            {
                return false;
            }

            request = new CreateMailboxRequest(id, display!, payload!, token, rights, expiresAt);
            return true;
        }
    }

    public bool TryParseUpdate(ReadOnlyMemory<byte> body, out UpdateMailboxRequest? request, out ProtocolError? error)
    {
        request = null;
        if (!RequestJson.TryOpen(body, out var document, out error))
        {
            return false;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (!TryReadPayload(root, out var payload, out error)
                || !TryReadToken(root, required: true, out var token, out error))
            {
                return false;
            }

            request = new UpdateMailboxRequest(payload!, token!);
            return true;
        }
    }

    private bool TryReadDisplayInformation(JsonElement root, out string? json, out ProtocolError? error)
    {
        json = null;
        error = null;
        if (!root.TryGetProperty("displayInformation", out var display) || display.ValueKind != JsonValueKind.Object)
        {
            error = ProtocolError.BadRequest("'displayInformation' is required and must be an object with 'title', 'description' and 'imageURL'.");
            return false;
        }

        foreach (var name in DisplayInformation.FieldNames)
        {
            if (display.TryGetProperty(name, out var field) && field.ValueKind != JsonValueKind.String)
            {
                error = ProtocolError.BadRequest($"'displayInformation.{name}' must be a string.");
                return false;
            }
        }

        json = display.GetRawText();
        if (System.Text.Encoding.UTF8.GetByteCount(json) > _options.MaxDisplayInformationBytes)
        {
            error = ProtocolError.TooLarge($"'displayInformation' may be at most {_options.MaxDisplayInformationBytes} bytes of JSON.");
            return false;
        }

        return true;
    }

    private bool TryReadPayload(JsonElement root, out SecurePayload? payload, out ProtocolError? error)
    {
        payload = null;
        error = null;
        if (!root.TryGetProperty("payload", out var element) || element.ValueKind != JsonValueKind.Object)
        {
            error = ProtocolError.BadRequest("'payload' is required and must be an object with 'type' and 'data' (draft §7).");
            return false;
        }

        if (!element.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String
            || !SecurePayload.IsKnownType(typeElement.GetString()!))
        {
            error = ProtocolError.BadRequest("'payload.type' must be one of AES128, AES256, AEAD_AES_128_GCM, AEAD_AES_256_GCM.");
            return false;
        }

        if (!element.TryGetProperty("data", out var dataElement) || dataElement.ValueKind != JsonValueKind.String)
        {
            error = ProtocolError.BadRequest("'payload.data' is required and must be a base64 string: IV(12) ‖ ciphertext ‖ tag(16).");
            return false;
        }

        var text = dataElement.GetString()!;
        // Reject on the encoded length first, so an oversize payload is never decoded.
        if ((long)text.Length / 4 * 3 > _options.MaxPayloadBytes + 2)
        {
            error = ProtocolError.TooLarge($"'payload.data' may decode to at most {_options.MaxPayloadBytes} bytes.");
            return false;
        }

        var bytes = new byte[(text.Length / 4 * 3) + 3];
        if (text.Length % 4 != 0 || text.AsSpan().ContainsAny(" \t\r\n")
            || !Convert.TryFromBase64String(text, bytes, out var written))
        {
            error = ProtocolError.BadRequest("'payload.data' must be standard base64 with padding and no whitespace.");
            return false;
        }

        if (written > _options.MaxPayloadBytes)
        {
            error = ProtocolError.TooLarge($"'payload.data' may decode to at most {_options.MaxPayloadBytes} bytes.");
            return false;
        }

        if (written < SecurePayload.MinimumLength)
        {
            error = ProtocolError.BadRequest("'payload.data' is too short: it must hold a 12-byte IV and a 16-byte tag (draft §7).");
            return false;
        }

        payload = new SecurePayload(typeElement.GetString()!, bytes.AsSpan(0, written).ToArray());
        return true;
    }

    private static bool TryReadToken(JsonElement root, bool required, out NotificationToken? token, out ProtocolError? error)
    {
        token = null;
        error = null;
        if (!root.TryGetProperty("notificationToken", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = ProtocolError.BadRequest("'notificationToken' is required: an object with 'type' and 'tokenData' (draft §6.2.4).");
                return false;
            }

            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = ProtocolError.BadRequest("'notificationToken' must be an object with 'type' and 'tokenData'.");
            return false;
        }

        // Figure 4 spells the push system 'type'; Figure 3 spells it 'name'.
        if (!(element.TryGetProperty("type", out var type) || element.TryGetProperty("name", out type))
            || type.ValueKind != JsonValueKind.String || !NotificationToken.IsSupportedType(type.GetString()!))
        {
            error = ProtocolError.BadRequest($"'notificationToken.type' must be '{NotificationToken.Apns}' or '{NotificationToken.Fcm}'.");
            return false;
        }

        if (!element.TryGetProperty("tokenData", out var data) || data.ValueKind != JsonValueKind.String
            || !IsTokenData(data.GetString()!))
        {
            error = ProtocolError.BadRequest("'notificationToken.tokenData' must be 1 to 4096 printable ASCII characters (hex or base64).");
            return false;
        }

        token = new NotificationToken(type.GetString()!, data.GetString()!);
        return true;
    }

    // Tokens travel in an HTTP header to Notification Hubs: printable ASCII only, so they cannot inject headers.
    private static bool IsTokenData(string text) =>
        text.Length is > 0 and <= 4096 && !text.AsSpan().ContainsAnyExceptInRange((char)0x21, (char)0x7E);

    private bool TryReadConfiguration(JsonElement root, out AccessRights rights, out DateTimeOffset expiresAt, out ProtocolError? error)
    {
        rights = AccessRightsFormat.Default;
        error = null;
        var now = time.GetUtcNow();
        expiresAt = WholeSecondUp(now.AddSeconds(_options.DefaultTimeToLiveSeconds));

        // Absent: later revisions give the relay's default configuration.
        if (!root.TryGetProperty("mailboxConfiguration", out var config))
        {
            return true;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            error = ProtocolError.BadRequest("'mailboxConfiguration' must be an object with 'timeToLive' (seconds) and optional 'accessRights'.");
            return false;
        }

        if (config.TryGetProperty("accessRights", out var rightsElement)
            && (rightsElement.ValueKind != JsonValueKind.String || !AccessRightsFormat.TryParse(rightsElement.GetString()!, out rights)))
        {
            error = ProtocolError.BadRequest("'mailboxConfiguration.accessRights' must combine the letters R, W and D, each at most once (e.g. \"RD\").");
            return false;
        }

        var hasTtl = config.TryGetProperty("timeToLive", out var ttlElement);
        var hasExpiration = config.TryGetProperty("expiration", out var expirationElement);
        if (!hasTtl && !hasExpiration)
        {
            error = ProtocolError.BadRequest("'mailboxConfiguration.timeToLive' is required (draft §3): seconds as a string or number.");
            return false;
        }

        DateTimeOffset? fromTtl = null;
        if (hasTtl)
        {
            if (!TryReadSeconds(ttlElement, out var seconds) || seconds <= 0 || seconds > _options.MaxTimeToLiveSeconds)
            {
                error = ProtocolError.BadRequest($"'mailboxConfiguration.timeToLive' must be a whole number of seconds from 1 to {_options.MaxTimeToLiveSeconds}.");
                return false;
            }

            fromTtl = now.AddSeconds(seconds);
            expiresAt = fromTtl.Value;
        }

        if (hasExpiration)
        {
            var latest = now.AddSeconds(_options.MaxTimeToLiveSeconds);
            if (expirationElement.ValueKind != JsonValueKind.String || !TryParseRfc3339(expirationElement.GetString()!, out var expiration))
            {
                error = ProtocolError.BadRequest("'mailboxConfiguration.expiration' must be an RFC 3339 time such as 2026-01-31T12:00:00Z.");
                return false;
            }

            if (expiration <= now || expiration > latest)
            {
                error = ProtocolError.BadRequest($"'mailboxConfiguration.expiration' must be in the future and at most {_options.MaxTimeToLiveSeconds} seconds away.");
                return false;
            }

            // Both given: they must name the same moment. A phone computes `expiration` from its own clock, truncates it to
            // a second and sends it over a slow network, so "the same" allows LifetimeAgreementTolerance either way.
            if (fromTtl is { } ttlExpiry && (ttlExpiry - expiration).Duration() > LifetimeAgreementTolerance)
            {
                error = ProtocolError.BadRequest($"'timeToLive' and 'expiration' disagree: send one, or both naming the same moment (within {LifetimeAgreementTolerance.TotalSeconds:0} s).");
                return false;
            }

            expiresAt = expiration;
        }

        expiresAt = WholeSecondUp(expiresAt);
        return true;
    }

    /// <summary>
    /// Lifetimes end on a whole second (rounded up, so a mailbox never ends before it was asked to): the expiry is part of
    /// the purge's index key, and a whole second survives every store's time precision exactly.
    /// </summary>
    private static DateTimeOffset WholeSecondUp(DateTimeOffset time) =>
        time.Ticks % TimeSpan.TicksPerSecond == 0 ? time : time.AddTicks(TimeSpan.TicksPerSecond - (time.Ticks % TimeSpan.TicksPerSecond));

    private static bool TryReadSeconds(JsonElement element, out long seconds)
    {
        seconds = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out seconds),
            // draft-00 sends seconds as a string ("8640"): digits only, no sign, no spaces.
            JsonValueKind.String => element.GetString() is { Length: > 0 and <= 10 } s
                && !s.AsSpan().ContainsAnyExceptInRange('0', '9')
                && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out seconds),
            _ => false,
        };
    }

    private static readonly string[] Rfc3339Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd't'HH:mm:ssK", "yyyy-MM-dd't'HH:mm:ss.FFFFFFFK",
    ];

    internal static bool TryParseRfc3339(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, Rfc3339Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
        && (text.EndsWith('Z') || text.EndsWith('z') || text.Length > 20 && text[^6] is '+' or '-');
}
