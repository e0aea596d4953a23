using System.Text;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// Valid draft bodies (§6.1, §6.3) and the ways to spoil one so that it is certainly invalid: truncated, a wrong value or
/// type at a known path, a missing member, duplicate keys, deep nesting, bad UTF-8, lone surrogates, not an object,
/// comments, garbage. Draws from the caller's seeded <see cref="Random"/>, so a run replays from its seed.
/// </summary>
internal sealed class BrokenBodies(Random random)
{
    private readonly Random _random = random;

    /// <summary>A valid CreateMailbox body with a random payload and, half the time, a sender token.</summary>
    public JsonObject ValidCreate(string id) => RelayClient.CreateBody(id, RelayClient.RandomPayloadData(_random.Next(28, 200)),
        _random.Next(2) == 0 ? RelayClient.Token("com.apple.apns", "apns-" + _random.Next()) : null);

    /// <summary>A valid UpdateMailbox body with a random payload and an FCM token.</summary>
    public JsonObject ValidUpdate() => RelayClient.UpdateBody(RelayClient.RandomPayloadData(_random.Next(28, 200)), RelayClient.Token("com.google.fcm", "fcm-" + _random.Next()));

    /// <summary>Spoils a valid body in one way that makes it certainly invalid (possibly with harmless noise added).</summary>
    public (string Kind, byte[] Body) Break(JsonObject body, bool create)
    {
        if (_random.Next(3) == 0)
        {
            // Noise that alone is fine: unknown members with huge numbers and long strings.
            body["x-noise"] = JsonNode.Parse(Pick(new[] { "1e999999", "-0", "123456789012345678901234567890", "\"" + new string('n', _random.Next(1, 3000)) + "\"", "[]", "{}" }));
        }

        switch (_random.Next(10))
        {
            case 0:
            {
                var text = Utf8(body.ToJsonString());
                return ("truncated", text[.._random.Next(text.Length - 1)]);
            }

            case 1:
            {
                var (path, value) = WrongValue(create);
                Set(body, path, value);
                return ($"wrong value at {path}", Utf8(body.ToJsonString()));
            }

            case 2:
            {
                var path = Pick(create
                    ? new[] { "displayInformation", "payload", "payload.type", "payload.data", "mailboxConfiguration.timeToLive" }
                    : new[] { "payload", "notificationToken", "payload.type", "payload.data", "notificationToken.type", "notificationToken.tokenData" });
                Remove(body, path);
                return ($"missing {path}", Utf8(body.ToJsonString()));
            }

            case 3:
            {
                // Duplicate keys, at the root or inside an object.
                var text = body.ToJsonString();
                var duplicated = _random.Next(2) == 0
                    ? "{\"payload\":{\"type\":\"AES128\",\"data\":\"AAAA\"}," + text[1..]
                    : text.Replace("\"type\":", "\"type\":\"AES256\",\"type\":", StringComparison.Ordinal);
                return ("duplicate key", Utf8(duplicated));
            }

            case 4:
            {
                var depth = _random.Next(8, 3000);
                var nested = _random.Next(2) == 0
                    ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                return ($"nested {depth} deep", Utf8(body.ToJsonString().Insert(1, "\"deep\":" + nested + ",")));
            }

            case 5:
            {
                // Bytes that are not UTF-8 inside a string value or a property name.
                var bad = Pick(new byte[][] { [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE, 0xFF] });
                var text = Utf8(body.ToJsonString());
                var at = Array.IndexOf(text, (byte)'"', _random.Next(1, text.Length - 2)) + 1;
                at = at <= 0 ? 2 : at;
                return ("bad UTF-8", [.. text[..at], .. bad, .. text[at..]]);
            }

            case 6:
            {
                // Lone surrogate escapes: valid JSON, invalid text.
                var escape = Pick(new[] { "\\ud800", "\\udfff", "\\udc00x", "\\ud83d" });
                var text = body.ToJsonString();
                var field = Pick(new[] { "\"title\":\"", "\"type\":\"", "\"data\":\"", "\"tokenData\":\"", "\"description\":\"", "\"" });
                var at = text.IndexOf(field, StringComparison.Ordinal);
                at = at < 0 ? 2 : at + field.Length;
                return ($"lone surrogate after {field}", Utf8(text.Insert(at, escape)));
            }

            case 7:
                return ("not an object", Utf8(Pick(new[] { "[]", "\"text\"", "42", "null", "true", "", " ", "[" + body.ToJsonString() + "]", "{}" })));

            case 8:
            {
                var text = body.ToJsonString();
                return ("comment or trailing comma", Utf8(_random.Next(2) == 0 ? text[..^1] + ",}" : "/*x*/" + text));
            }

            default:
            {
                var garbage = new byte[_random.Next(1, 2000)];
                _random.NextBytes(garbage);
                garbage[0] = (byte)_random.Next(0, 0x20); // a control character: never a JSON value's first byte
                return ("garbage bytes", garbage);
            }
        }
    }

    private (string Path, JsonNode? Value) WrongValue(bool create)
    {
        JsonNode? NotAString() => JsonNode.Parse(Pick(new[] { "1", "true", "null", "[]", "{}", "1.5", "[\"x\"]" }));
        JsonNode? NotAnObject() => JsonNode.Parse(Pick(new[] { "1", "true", "null", "[]", "\"x\"", "[{}]" }));
        var common = new (string, Func<JsonNode?>)[]
        {
            ("payload", NotAnObject),
            ("payload.type", () => _random.Next(2) == 0 ? NotAString() : Pick(new[] { "", "AES512", "aes-128", "<script>", "AES128 ", "ROT13" })),
            ("payload.data", () => _random.Next(3) == 0 ? NotAString() : Pick(new[] { "", "AAAA", "!!!!", "AAA", "AAAA AAAA", "AAAA\nAAAA", "A===", "YWJj", "-_-_" + new string('A', 40), new string('A', 37) })),
            ("notificationToken", () => JsonNode.Parse(Pick(new[] { "1", "true", "[]", "\"token\"", "{}", "{\"type\":\"com.apple.apns\"}", "{\"tokenData\":\"abc\"}" }))),
            ("notificationToken.type", () => _random.Next(2) == 0 ? NotAString() : Pick(new[] { "", "apns", "com.example.push", "com.apple.apns " })),
            ("notificationToken.tokenData", () => _random.Next(2) == 0 ? NotAString() : Pick(new[] { "", "has space", "tab\t", "é", new string('t', 4097), "line\nbreak" })),
        };
        var createOnly = new (string, Func<JsonNode?>)[]
        {
            ("displayInformation", NotAnObject),
            ("displayInformation.title", NotAString),
            ("displayInformation.description", NotAString),
            ("displayInformation.imageURL", NotAString),
            ("displayInformation.title", () => new string('t', 9000)),
            ("mailboxIdentifier", () => _random.Next(3) == 0 ? NotAString() : Pick(HostileRequests.BadUuids)),
            ("mailboxConfiguration", () => JsonNode.Parse(Pick(new[] { "1", "true", "[]", "\"RWD\"", "{}", "{\"accessRights\":\"RWD\"}" }))),
            ("mailboxConfiguration.timeToLive", () => JsonNode.Parse(Pick(new[]
            {
                "0", "-1", "\"0\"", "\"-5\"", "\"1e3\"", "1.5", "1e400", "99999999999999999999", "\"\"", "\" 60\"", "\"60 \"", "true", "null", "[]",
                "604801", "\"604801\"", "\"99999999999\"", "-9223372036854775808", "\"+60\"", "\"0x10\"",
            }))),
            ("mailboxConfiguration.accessRights", () => _random.Next(2) == 0 ? NotAString() : Pick(new[] { "X", "RR", "RWDX", "R W", "RWDRWD", "DD" })),
            ("mailboxConfiguration.expiration", () => Pick(new[] { "yesterday", "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "" })),
        };
        var (path, value) = create && _random.Next(3) > 0 ? Pick(createOnly) : Pick(common);
        return (path, value());
    }

    private static void Set(JsonObject body, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = body;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                child = new JsonObject();
                node[parts[i]] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }

    private static void Remove(JsonObject body, string path)
    {
        var parts = path.Split('.');
        var node = body;
        foreach (var part in parts[..^1])
        {
            node = node[part] as JsonObject ?? node;
        }

        node.Remove(parts[^1]);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
