using System.Text;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>A mailbox set up before the hostile run: both parties bound, so no well-formed read by a stranger can bind.</summary>
internal sealed record SeededMailbox(string Id, string SenderClaim, string ReceiverClaim);

/// <summary>One hostile request over HttpClient. Only previews (GET) may succeed; everything else must be refused.</summary>
internal sealed record HostileRequest(
    string Kind, HttpMethod Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body, string? ContentType,
    bool Chunked = false)
{
    public bool MaySucceed => Method == HttpMethod.Get;
}

/// <summary>One hostile request as raw bytes on its own TCP connection: what HttpClient refuses to send.</summary>
internal sealed record RawHostileRequest(string Kind, byte[] Bytes)
{
    /// <summary>
    /// RFC 9110 §15.6.6: a version the server does not speak is answered 505. Kestrel answers so before the relay sees the
    /// request, also for a malformed version token (HTTP/1., HTTX/1.1): the one 5xx a client can earn.
    /// </summary>
    public const string UnsupportedVersion = "unsupported HTTP version";
}

/// <summary>
/// A seeded generator of malformed and hostile requests. Every request it makes is refused by a correct relay for a
/// reason it knows (broken JSON, wrong types, bad identifiers, wrong claims, bad framing...), so any 2xx outside a
/// preview, any 5xx, and any change of stored state is a relay bug. The seed is in every failure message.
/// </summary>
internal sealed class HostileRequests(int seed, IReadOnlyList<SeededMailbox> mailboxes, int maxBodyBytes)
{
    private static readonly string[] JsonTypes = ["application/json", "application/json; charset=utf-8"];
    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/xml", "application/json; charset=iso-8859-1", "application/jsonx", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "text/html", "application/json, text/plain", "json", "*/*", "application/", ";", "application/json; charset=utf-16",
    ];

    private static readonly string[] BadUuids =
    [
        "", "0", "not-a-uuid", "4f1c2d3e5a6b4c7d8e9f0a1b2c3d4e5f", "{4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f}", "(4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f)",
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5fa", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5g", " 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f ", "4f1c2d3e_5a6b_4c7d_8e9f_0a1b2c3d4e5f", "0x4f1c2d3e5a6b4c7d8e9f0a1b2c3d4e5f", "null", "undefined", "../../etc/passwd",
        "<script>alert(1)</script>", "' OR '1'='1", "PartitionKey eq ''", "%00", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\u0000",
        "ﬀ1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "TxwtPlprTH2OnwobLD1OXw==", new string('a', 5000),
    ];

    private static readonly string[] OddMethods = ["PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "MERGE", "LOCK", "FOO", "M-SEARCH", "QUERY"];

    private readonly Random _random = new(seed);

    public int Seed => seed;

    public List<HostileRequest> Http(int count)
    {
        var list = new List<HostileRequest>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(_random.Next(100) switch
            {
                < 22 => BrokenCreate(),
                < 40 => BrokenUpdateByAParty(),
                < 50 => WrongClaim(),
                < 58 => WrongContentType(),
                < 68 => BadPath(),
                < 74 => OddMethod(),
                < 84 => HeaderAbuse(),
                < 87 => Oversize(),
                _ => Preview(),
            });
        }

        return list;
    }

    public List<RawHostileRequest> Raw(int count)
    {
        var list = new List<RawHostileRequest>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(RawOne());
        }

        return list;
    }

    private SeededMailbox AnyMailbox() => mailboxes[_random.Next(mailboxes.Count)];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static KeyValuePair<string, string> H(string name, string value) => new(name, value);

    private HostileRequest BrokenCreate()
    {
        var id = _random.Next(4) == 0 ? AnyMailbox().Id : RelayClient.NewId();
        var (kind, body) = Break(ValidCreate(id), create: true);
        return new("create: " + kind, HttpMethod.Post, "v1/m", [H("deviceClaim", RelayClient.NewId()), H("Mailbox-Correlation-ID", RelayClient.NewId())], body, Pick(JsonTypes));
    }

    private HostileRequest BrokenUpdateByAParty()
    {
        var mailbox = AnyMailbox();
        var claim = _random.Next(2) == 0 ? mailbox.SenderClaim : mailbox.ReceiverClaim;
        var (kind, body) = Break(ValidUpdate(), create: false);
        return new("update by a party: " + kind, HttpMethod.Put, "v1/m/" + mailbox.Id, [H("deviceClaim", claim)], body, Pick(JsonTypes));
    }

    /// <summary>Well-formed requests with a claim that is not this mailbox's: another mailbox's, a stranger's, or only in a later spelling.</summary>
    private HostileRequest WrongClaim()
    {
        var mailbox = AnyMailbox();
        var other = mailboxes.Where(m => m != mailbox).ToList();
        var otherParty = Pick(other) is var o && _random.Next(2) == 0 ? o.SenderClaim : o.ReceiverClaim;
        var (claimKind, headers) = _random.Next(5) switch
        {
            0 => ("stranger", new[] { H("deviceClaim", RelayClient.NewId()) }),
            1 => ("another mailbox's party", [H("deviceClaim", otherParty)]),
            2 => ("another mailbox's party, uppercase", [H("Mailbox-Device-Claim", otherParty.ToUpperInvariant())]),
            // The first spelling present wins (RelayHeaders): a right claim under a later spelling must not rescue a wrong one.
            3 => ("right claim only in a later spelling", [H("deviceClaim", RelayClient.NewId()), H("Mailbox-Device-Claim", mailbox.SenderClaim), H("Device-Claim", mailbox.ReceiverClaim)]),
            _ => ("garbled claim", [H(Pick(new[] { "deviceClaim", "Mailbox-Device-Claim", "Device-Claim" }), Pick(BadUuids.Where(u => u.All(c => c is >= ' ' and < (char)127)).ToList()))]),
        };
        return _random.Next(4) switch
        {
            3 => new("relinquish, " + claimKind, HttpMethod.Patch, "v1/m/" + mailbox.Id, headers, null, null),
            0 => new("read, " + claimKind, HttpMethod.Post, "v1/m/" + mailbox.Id, headers, null, null),
            1 => new("update, " + claimKind, HttpMethod.Put, "v1/m/" + mailbox.Id, headers, Utf8(ValidUpdate().ToJsonString()), "application/json"),
            _ => new("delete, " + claimKind, HttpMethod.Delete, "v1/m/" + mailbox.Id, headers, null, null),
        };
    }

    private HostileRequest WrongContentType()
    {
        var mailbox = AnyMailbox();
        var type = _random.Next(6) == 0 ? null : Pick(WrongContentTypes);
        return _random.Next(2) == 0
            ? new($"create as '{type}'", HttpMethod.Post, "v1/m", [H("deviceClaim", RelayClient.NewId())], Utf8(ValidCreate(RelayClient.NewId()).ToJsonString()), type)
            : new($"update by a party as '{type}'", HttpMethod.Put, "v1/m/" + mailbox.Id, [H("deviceClaim", mailbox.SenderClaim)], Utf8(ValidUpdate().ToJsonString()), type);
    }

    /// <summary>Paths that are not a mailbox, or only look like one. A stranger's claim, so no path that normalises to a real mailbox can change it.</summary>
    private HostileRequest BadPath()
    {
        var mailbox = AnyMailbox();
        var path = _random.Next(12) switch
        {
            0 => "v1/m/" + Uri.EscapeDataString(Pick(BadUuids)),
            1 => $"v1/m/{mailbox.Id}/extra",
            2 => $"v1/m//{mailbox.Id}",
            3 => $"v1/m/{mailbox.Id}%2F..%2F{RelayClient.NewId()}",
            4 => $"v1/m/..%2F{mailbox.Id}",
            5 => $"v1/m/%7B{mailbox.Id}%7D",
            6 => $"v1/m/{mailbox.Id.Replace("-", "", StringComparison.Ordinal)}",
            7 => $"v1/m/%E2%80%AE{mailbox.Id}",
            8 => $"v1/m/{mailbox.Id};jsessionid=1",
            9 => "v1/m/" + new string('9', _random.Next(100, 6000)),
            10 => $"v1/m/{mailbox.Id}%00",
            _ => Pick(new[] { "v1", "v1/", "v1/m/", "v0/m", "api/v1/m", "v1/m/m/m", ".well-known/../v1/m", "%2e%2e/v1/m", "V1/M" }),
        };
        var method = Pick(new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch });
        // A POST that lands on CreateMailbox must still be refused: its body is a truncated create.
        var body = method == HttpMethod.Put ? Utf8(ValidUpdate().ToJsonString())
            : method == HttpMethod.Post ? Utf8(ValidCreate(RelayClient.NewId()).ToJsonString()[..^1]) : null;
        return new("bad path " + method, method, path, [H("deviceClaim", RelayClient.NewId())], body, body is null ? null : "application/json");
    }

    private HostileRequest OddMethod()
    {
        var mailbox = AnyMailbox();
        var method = new HttpMethod(Pick(OddMethods));
        var body = _random.Next(2) == 0 ? Utf8(ValidUpdate().ToJsonString()) : null;
        var path = _random.Next(2) == 0 ? "v1/m" : "v1/m/" + mailbox.Id;
        return new("method " + method, method, path, [H("deviceClaim", mailbox.SenderClaim)], body, body is null ? null : "application/json");
    }

    /// <summary>A request the relay would accept, spoiled only by its headers: each must be refused before anything is written.</summary>
    private HostileRequest HeaderAbuse()
    {
        var mailbox = AnyMailbox();
        var correlation = _random.Next(8) switch
        {
            0 => new string('c', 129),
            1 => "",
            2 => "two words",
            3 => "tab\there",
            4 => "a\u007Fb",
            5 => new string('c', _random.Next(200, 8000)),
            6 => "<script> </script>",
            _ => "x y",
        };
        var (kind, headers) = _random.Next(6) switch
        {
            0 => ($"bad Mailbox-Correlation-ID '{Shorten(correlation)}'", new List<KeyValuePair<string, string>> { H("deviceClaim", mailbox.SenderClaim), H("Mailbox-Correlation-ID", correlation) }),
            1 => ($"bad Mailbox-Request-ID '{Shorten(correlation)}'", [H("deviceClaim", mailbox.SenderClaim), H("Mailbox-Request-ID", correlation)]),
            2 => ("a 20 KB header", [H("deviceClaim", mailbox.SenderClaim), H("X-Padding", new string('p', 20 * 1024))]),
            3 => ("60 headers", [H("deviceClaim", mailbox.SenderClaim), .. Enumerable.Range(0, 60).Select(i => H("X-Extra-" + i, "v"))]),
            4 => ("two correlation ids", [H("deviceClaim", mailbox.SenderClaim), H("Mailbox-Correlation-ID", RelayClient.NewId()), H("Mailbox-Correlation-ID", RelayClient.NewId())]),
            _ => ("claim and correlation in one header", [H("deviceClaim", mailbox.SenderClaim + ", " + RelayClient.NewId())]),
        };

        // What the headers spoil: an update by the sender, or a create.
        return _random.Next(2) == 0
            ? new("update by a party, " + kind, HttpMethod.Put, "v1/m/" + mailbox.Id, headers, Utf8(ValidUpdate().ToJsonString()), "application/json")
            : new("create, " + kind, HttpMethod.Post, "v1/m", headers, Utf8(ValidCreate(RelayClient.NewId()).ToJsonString()), "application/json");
    }

    private HostileRequest Oversize()
    {
        var mailbox = AnyMailbox();
        var body = new byte[maxBodyBytes + 1 + _random.Next(64 * 1024)];
        var prefix = Utf8("{\"payload\":{\"type\":\"AES128\",\"data\":\"");
        prefix.CopyTo(body, 0);
        body.AsSpan(prefix.Length).Fill((byte)'A');
        var chunked = _random.Next(2) == 0;
        return _random.Next(2) == 0
            ? new($"update by a party, oversize (chunked {chunked})", HttpMethod.Put, "v1/m/" + mailbox.Id, [H("deviceClaim", mailbox.ReceiverClaim)], body, "application/json", chunked)
            : new($"create, oversize (chunked {chunked})", HttpMethod.Post, "v1/m", [H("deviceClaim", RelayClient.NewId())], body, "application/json", chunked);
    }

    /// <summary>Previews are public and read-only, even when asked with a party's claim and a method override.</summary>
    private HostileRequest Preview()
    {
        var mailbox = AnyMailbox();
        return new("preview with a claim and a method override", HttpMethod.Get, "v1/m/" + mailbox.Id,
            [H("deviceClaim", mailbox.SenderClaim), H("X-HTTP-Method-Override", "DELETE"), H("X-Method-Override", "PUT")], null, null);
    }

    private JsonObject ValidCreate(string id) => RelayClient.CreateBody(id, RelayClient.RandomPayloadData(_random.Next(28, 200)),
        _random.Next(2) == 0 ? RelayClient.Token("com.apple.apns", "apns-" + _random.Next()) : null);

    private JsonObject ValidUpdate() => RelayClient.UpdateBody(RelayClient.RandomPayloadData(_random.Next(28, 200)), RelayClient.Token("com.google.fcm", "fcm-" + _random.Next()));

    /// <summary>Spoils a valid body in one way that makes it certainly invalid (possibly with harmless noise added).</summary>
    private (string Kind, byte[] Body) Break(JsonObject body, bool create)
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
            ("mailboxIdentifier", () => _random.Next(3) == 0 ? NotAString() : Pick(BadUuids)),
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

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "…";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private RawHostileRequest RawOne()
    {
        var mailbox = AnyMailbox();
        var update = ValidUpdate().ToJsonString();
        string Framed(string head, string body = "") =>
            head + (body.Length > 0 ? $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" : "") + "Connection: close\r\n\r\n" + body;

        var (kind, text) = _random.Next(23) switch
        {
            0 => ("bad UTF-8 in the path", $"GET /v1/m/\u00C3\u0028{mailbox.Id} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"),
            1 => ("raw 0xFF in the path", "GET /v1/m/\u00FF\u00FE HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"),
            2 => ("percent-encoded bad UTF-8", "GET /v1/m/%C3%28%FF%ED%A0%80 HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"),
            3 => ("bad UTF-8 in the claim", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: \u00FF\u00C3\u0028{mailbox.SenderClaim}\r\n", update)),
            4 => ("non-ASCII correlation id", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nMailbox-Correlation-ID: caf\u00C3\u00A9\r\n", update)),
            // The same claim header twice: ambiguous, so refused, even when both lines carry the right claim.
            5 => ("claim header repeated", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\ndeviceClaim: {mailbox.SenderClaim}\r\n", update)),
            6 => ("claim header repeated, delete", Framed($"DELETE /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\ndeviceClaim: {RelayClient.NewId()}\r\n")),
            7 => ("obs-fold header injection", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nMailbox-Correlation-ID: abc\r\n Set-Cookie: injected=1\r\n", update)),
            8 => ("bare CR in a header", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nMailbox-Correlation-ID: abc\rSet-Cookie: injected=1\r\n", update)),
            // Kestrel may accept bare LF line ends: a stranger's claim keeps the request harmless either way.
            9 => ("bare LF in a header", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\nHost: relay\ndeviceClaim: {RelayClient.NewId()}\nMailbox-Correlation-ID: abc\nX: y\r\n", update)),
            10 => ("NUL in a header", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\0\r\n", update)),
            11 => ("Content-Length and Transfer-Encoding", $"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{{\"a\":\r\n0\r\n\r\n"),
            12 => ("two Content-Lengths", $"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nContent-Type: application/json\r\nContent-Length: {update.Length}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{update}"),
            13 => ("bad Content-Length", $"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nContent-Type: application/json\r\nContent-Length: {Pick(new[] { "-1", "abc", "1e3", "0x10", "18446744073709551616" })}\r\nConnection: close\r\n\r\n{update}"),
            14 => ("unknown Transfer-Encoding", $"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nContent-Type: application/json\r\nTransfer-Encoding: {Pick(new[] { "gzip", "chunked, gzip", "identity", "xchunked" })}\r\nConnection: close\r\n\r\n{update}"),
            15 => ("bad chunk size", $"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{Pick(new[] { "zz", "-1", "FFFFFFFFFFFFFFFFFF", "5;ext=\u00FF" })}\r\n{{\"a\":\r\n0\r\n\r\n"),
            16 => ("junk request line", Pick(new[] { "GET\r\n\r\n", "\r\n\r\nHELLO WORLD\r\n\r\n", $"GET /v1/m/{mailbox.Id} HTTP/1.1 extra\r\nHost: relay\r\n\r\n", "G\0T / HTTP/1.1\r\nHost: relay\r\n\r\n", "HELLO\r\n\r\n", new string('G', 5000) + " / HTTP/1.1\r\nHost: relay\r\n\r\n" })),
            17 => ("absolute-form and odd targets", Pick(new[] { $"GET http://evil.example/v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\nConnection: close\r\n\r\n", $"DELETE v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {mailbox.SenderClaim}\r\nConnection: close\r\n\r\n" })),
            18 => ("Host missing or repeated", Pick(new[] { $"DELETE /v1/m/{mailbox.Id} HTTP/1.1\r\ndeviceClaim: {mailbox.SenderClaim}\r\nConnection: close\r\n\r\n", $"DELETE /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: a\r\nHost: b\r\ndeviceClaim: {mailbox.SenderClaim}\r\nConnection: close\r\n\r\n", $"DELETE /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: a b\r\ndeviceClaim: {mailbox.SenderClaim}\r\nConnection: close\r\n\r\n" })),
            19 => ("very long request line", $"GET /v1/m/{new string('a', 6000)} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"),
            20 => ("header without a colon", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim {mailbox.SenderClaim}\r\n", update)),
            21 => (RawHostileRequest.UnsupportedVersion, Pick(new[] { "GET / HTTP/9.9\r\nHost: relay\r\n\r\n", "GET / HTTP/1.2\r\nHost: relay\r\n\r\n", "GET / HTTP/2.0\r\nHost: relay\r\n\r\n", "GET / HTTP/1.\r\nHost: relay\r\n\r\n", "GET / HTTX/1.1\r\nHost: relay\r\n\r\n" })),
            _ => ("space before the colon", Framed($"PUT /v1/m/{mailbox.Id} HTTP/1.1\r\nHost: relay\r\ndeviceClaim : {mailbox.SenderClaim}\r\n", update)),
        };

        // Latin-1 maps each char below 256 to one byte, so "\u00FF" above is the raw byte 0xFF on the wire.
        return new(kind, Encoding.Latin1.GetBytes(text));
    }
}
