using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScTransfer.Client;

namespace ScTransfer.Cli.Check;

/// <summary>What a ReadSecureContent answer carried (§6.5.3), still encrypted.</summary>
internal sealed record SecureContent(EncryptedPayload Payload, JsonElement DisplayInformation, string? Expiration);

/// <summary>The cases' assertions: each failure says what a conforming relay answers and what this one did.</summary>
internal static partial class Expect
{
    public static Exchange Status(Exchange answer, int status, string what) =>
        answer.Status == status ? answer : throw new CaseFailedException($"{status} to {what}", answer.Describe());

    public static Exchange Status(Exchange answer, string what, params int[] statuses) =>
        statuses.Contains(answer.Status)
            ? answer
            : throw new CaseFailedException($"{string.Join(" or ", statuses)} to {what}", answer.Describe());

    public static void That(bool condition, string expected, string actual)
    {
        if (!condition)
        {
            throw new CaseFailedException(expected, actual);
        }
    }

    /// <summary>Collected problems of a case that looks at several answers: none passes, else one failure listing them.</summary>
    public static void None(IReadOnlyCollection<string> problems, string expected)
    {
        if (problems.Count > 0)
        {
            var shown = problems.Take(3).ToList();
            throw new CaseFailedException(expected, string.Join("; ", shown) + (problems.Count > shown.Count ? $"; and {problems.Count - shown.Count} more" : ""));
        }
    }

    /// <summary>A 200 ReadSecureContent answer as §6.5.3 describes it: <c>payload</c> {type, data (base64)} and <c>displayInformation</c>.</summary>
    public static SecureContent Content(Exchange answer, string what)
    {
        Status(answer, 200, what);
        if (answer.Json() is not { ValueKind: JsonValueKind.Object } json
            || !json.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object
            || !payload.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !payload.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
        {
            throw new CaseFailedException($"JSON with payload {{type, data}} to {what} (§6.5.3)", answer.Describe());
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data.GetString()!);
        }
        catch (FormatException)
        {
            throw new CaseFailedException($"base64 payload data to {what} (§7)", "data that is not base64");
        }

        var display = json.TryGetProperty("displayInformation", out var d) ? d : default;
        var expiration = json.TryGetProperty("expiration", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return new SecureContent(new EncryptedPayload(type.GetString()!, bytes), display, expiration);
    }

    /// <summary>The content decrypts and verifies with the key and is what was stored (§7, §8.3 integrity).</summary>
    public static void Holds(SecureContent content, ShareSecret secret, byte[] plaintext, string what)
    {
        try
        {
            var opened = PayloadCipher.Decrypt(content.Payload, secret);
            That(opened.AsSpan().SequenceEqual(plaintext), $"{what} to hold the payload as stored", "a payload that decrypts to something else");
        }
        catch (PayloadDecryptionException)
        {
            throw new CaseFailedException($"{what} to hold the payload as stored (§7: IV ‖ ciphertext ‖ tag, base64)",
                $"a payload of {content.Payload.Data.Length} bytes, type {content.Payload.Type}, that does not decrypt with the key it was stored under");
        }
    }

    /// <summary>The content of an OpenGraph <c>meta property="og:…"</c> tag, HTML-decoded (§6.4, ogp.me).</summary>
    public static string? OpenGraph(string html, string property)
    {
        foreach (Match tag in MetaTag().Matches(html))
        {
            var attributes = Attribute().Matches(tag.Value).ToDictionary(a => a.Groups["name"].Value.ToUpperInvariant(), a => a.Groups["value"].Value);
            if (attributes.GetValueOrDefault("PROPERTY") == "og:" + property)
            {
                return attributes.TryGetValue("CONTENT", out var content) ? WebUtility.HtmlDecode(content) : null;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="answer"/> echoes <paramref name="value"/> under <paramref name="header"/> (§5).</summary>
    public static bool Echoes(Exchange answer, string header, string value) =>
        string.Equals(answer.Header(header), value, StringComparison.Ordinal);

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    [GeneratedRegex("<meta\\s[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex MetaTag();

    [GeneratedRegex("(?<name>[a-zA-Z:-]+)\\s*=\\s*\"(?<value>[^\"]*)\"")]
    private static partial Regex Attribute();
}
