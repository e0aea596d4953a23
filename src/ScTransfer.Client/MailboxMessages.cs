using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ScTransfer.Client;

/// <summary>
/// The draft's messages as <see cref="MailboxClient"/> sends and reads them: the JSON bodies of CreateMailbox (§6.1) and
/// UpdateMailbox (§6.2), and what each answer must hold, or a <see cref="RelayProtocolException"/> that says what it lacks.
/// </summary>
internal static partial class MailboxMessages
{
    public static JsonObject CreateBody(Guid mailboxId, DisplayInformation display, EncryptedPayload payload,
        MailboxConfiguration configuration, NotificationToken? notificationToken)
    {
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId.ToString("D"),
            ["displayInformation"] = DisplayJson(display),
            ["payload"] = PayloadJson(payload),
            ["mailboxConfiguration"] = new JsonObject
            {
                ["accessRights"] = configuration.AccessRights,
                ["timeToLive"] = ((long)configuration.TimeToLive.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            },
        };
        if (notificationToken is not null)
        {
            body["notificationToken"] = TokenJson(notificationToken);
        }

        return body;
    }

    public static JsonObject UpdateBody(EncryptedPayload payload, NotificationToken notificationToken) =>
        new() { ["payload"] = PayloadJson(payload), ["notificationToken"] = TokenJson(notificationToken) };

    public static CreatedMailbox ReadCreated(RelayResponse response, Guid mailboxId, MailboxClientOptions options)
    {
        using var json = response.ParseJson();
        var root = json.RootElement;
        if (!root.TryGetProperty("urlLink", out var link) || link.ValueKind != JsonValueKind.String)
        {
            throw response.Protocol("The relay's CreateMailbox answer has no urlLink.");
        }

        var urlLink = ParseUrlLink(link.GetString()!, mailboxId, response, options);
        return new CreatedMailbox(urlLink, IsPushSupported(root));
    }

    /// <summary>The OpenGraph preview page (§6.4) as display information.</summary>
    public static DisplayInformation ReadPreview(RelayResponse response)
    {
        string? Meta(string property) => OpenGraphMeta().Matches(response.Body)
            .FirstOrDefault(m => m.Groups["property"].Value == property) is { } match
            ? WebUtility.HtmlDecode(match.Groups["content"].Value)
            : null;
        var image = Meta("image");
        return new DisplayInformation(Meta("title"), Meta("description"),
            Uri.TryCreate(image, UriKind.Absolute, out var imageUrl) ? imageUrl : null);
    }

    public static MailboxContent ReadContent(RelayResponse response)
    {
        using var json = response.ParseJson();
        var root = json.RootElement;
        if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object
            || !payload.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !payload.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
        {
            throw response.Protocol("The relay's ReadSecureContent answer has no payload with type and data.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data.GetString()!);
        }
        catch (FormatException)
        {
            throw response.Protocol("The relay's payload data is not base64.");
        }

        DateTimeOffset? expiration = root.TryGetProperty("expiration", out var exp) && exp.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(exp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new MailboxContent(ReadDisplay(root), new EncryptedPayload(type.GetString()!, bytes), expiration);
    }

    /// <summary>Whether the relay can push to the other device after an update.</summary>
    public static bool ReadUpdated(RelayResponse response)
    {
        if (string.IsNullOrWhiteSpace(response.Body))
        {
            return false; // a 201 for a retried update need not repeat the answer
        }

        using var json = response.ParseJson();
        return IsPushSupported(json.RootElement);
    }

    private static Uri ParseUrlLink(string text, Guid mailboxId, RelayResponse response, MailboxClientOptions options)
    {
        // Figure 5 shows a link without a scheme; a relay is reached over https (§4).
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var link) || link.Scheme is not ("https" or "http") || link.Fragment.Length > 0
            || !Guid.TryParseExact(link.Segments[^1].TrimEnd('/'), "D", out var linked) || linked != mailboxId)
        {
            throw response.Protocol("The relay's urlLink is not an http(s) link to the mailbox this client created.");
        }

        if (link.Scheme == "http" && !link.IsLoopback && !options.AllowInsecureHttp)
        {
            throw response.Protocol("The relay's urlLink is plain http; the draft requires https (§4). Fix the relay's public base URL.");
        }

        return link;
    }

    private static bool IsPushSupported(JsonElement root) =>
        root.TryGetProperty("isPushNotificationSupported", out var push) && push.ValueKind == JsonValueKind.True;

    private static JsonObject DisplayJson(DisplayInformation display)
    {
        var json = new JsonObject();
        if (display.Title is not null)
        {
            json["title"] = display.Title;
        }

        if (display.Description is not null)
        {
            json["description"] = display.Description;
        }

        if (display.ImageUrl is not null)
        {
            json["imageURL"] = display.ImageUrl.AbsoluteUri; // §6.1.4's field list; Figure 4 spells it imageUrl
        }

        return json;
    }

    private static DisplayInformation ReadDisplay(JsonElement root)
    {
        if (!root.TryGetProperty("displayInformation", out var display) || display.ValueKind != JsonValueKind.Object)
        {
            return new DisplayInformation();
        }

        string? Field(string name) => display.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var image = Field("imageURL") ?? Field("imageUrl");
        return new DisplayInformation(Field("title"), Field("description"), Uri.TryCreate(image, UriKind.Absolute, out var url) ? url : null);
    }

    private static JsonObject PayloadJson(EncryptedPayload payload) =>
        new() { ["type"] = payload.Type, ["data"] = Convert.ToBase64String(payload.Data) };

    private static JsonObject TokenJson(NotificationToken token) =>
        new() { ["type"] = token.Type, ["tokenData"] = token.TokenData };

    [GeneratedRegex("""<meta\s+property="og:(?<property>title|description|image)"\s+content="(?<content>[^"]*)"\s*/?>""")]
    private static partial Regex OpenGraphMeta();
}
