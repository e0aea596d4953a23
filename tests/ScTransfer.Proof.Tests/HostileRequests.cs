using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>A mailbox set up before the hostile run: both parties bound, so no well-formed read by a stranger can bind.</summary>
internal sealed record SeededMailbox(string Id, string SenderClaim, string ReceiverClaim);

/// <summary>One hostile request over HttpClient. Only previews (GET, and HEAD, its headers) may succeed; everything else must be refused.</summary>
internal sealed record HostileRequest(
    string Kind, HttpMethod Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body, string? ContentType,
    bool Chunked = false)
{
    public bool MaySucceed => Method == HttpMethod.Get || Method == HttpMethod.Head;
}

/// <summary>
/// A seeded generator of malformed and hostile requests that HttpClient can send. Every request it makes is refused by a
/// correct relay for a reason it knows (a broken body from <see cref="BrokenBodies"/>, wrong claims, content types, paths,
/// methods or headers, oversize bodies), so any 2xx outside a preview, any 5xx, and any change of stored state is a relay
/// bug. What HttpClient will not send comes from <see cref="RawHostileRequests"/>.
/// </summary>
internal sealed class HostileRequests
{
    private static readonly string[] JsonTypes = ["application/json", "application/json; charset=utf-8"];
    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/xml", "application/json; charset=iso-8859-1", "application/jsonx", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "text/html", "application/json, text/plain", "json", "*/*", "application/", ";", "application/json; charset=utf-16",
    ];

    /// <summary>Strings that are not a mailbox identifier (draft §6.1.1: a UUID), for ids, paths and claims.</summary>
    internal static readonly string[] BadUuids =
    [
        "", "0", "not-a-uuid", "4f1c2d3e5a6b4c7d8e9f0a1b2c3d4e5f", "{4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f}", "(4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f)",
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5fa", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5g", " 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f ", "4f1c2d3e_5a6b_4c7d_8e9f_0a1b2c3d4e5f", "0x4f1c2d3e5a6b4c7d8e9f0a1b2c3d4e5f", "null", "undefined", "../../etc/passwd",
        "<script>alert(1)</script>", "' OR '1'='1", "PartitionKey eq ''", "%00", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\u0000",
        "ﬀ1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "TxwtPlprTH2OnwobLD1OXw==", new string('a', 5000),
    ];

    private static readonly string[] OddMethods = ["PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "MERGE", "LOCK", "FOO", "M-SEARCH", "QUERY"];

    private readonly Random _random;
    private readonly BrokenBodies _bodies;
    private readonly IReadOnlyList<SeededMailbox> _mailboxes;
    private readonly int _maxBodyBytes;

    public HostileRequests(int seed, IReadOnlyList<SeededMailbox> mailboxes, int maxBodyBytes)
    {
        _random = new Random(seed);
        _bodies = new BrokenBodies(_random);
        _mailboxes = mailboxes;
        _maxBodyBytes = maxBodyBytes;
    }

    public List<HostileRequest> Generate(int count)
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

    private SeededMailbox AnyMailbox() => _mailboxes[_random.Next(_mailboxes.Count)];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static KeyValuePair<string, string> H(string name, string value) => new(name, value);

    private HostileRequest BrokenCreate()
    {
        var id = _random.Next(4) == 0 ? AnyMailbox().Id : RelayClient.NewId();
        var (kind, body) = _bodies.Break(_bodies.ValidCreate(id), create: true);
        return new("create: " + kind, HttpMethod.Post, "v1/m", [H("deviceClaim", RelayClient.NewId()), H("Mailbox-Correlation-ID", RelayClient.NewId())], body, Pick(JsonTypes));
    }

    private HostileRequest BrokenUpdateByAParty()
    {
        var mailbox = AnyMailbox();
        var claim = _random.Next(2) == 0 ? mailbox.SenderClaim : mailbox.ReceiverClaim;
        var (kind, body) = _bodies.Break(_bodies.ValidUpdate(), create: false);
        return new("update by a party: " + kind, HttpMethod.Put, "v1/m/" + mailbox.Id, [H("deviceClaim", claim)], body, Pick(JsonTypes));
    }

    /// <summary>Well-formed requests with a claim that is not this mailbox's: another mailbox's, a stranger's, or only in a later spelling.</summary>
    private HostileRequest WrongClaim()
    {
        var mailbox = AnyMailbox();
        var other = _mailboxes.Where(m => m != mailbox).ToList();
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
            1 => new("update, " + claimKind, HttpMethod.Put, "v1/m/" + mailbox.Id, headers, Utf8(_bodies.ValidUpdate().ToJsonString()), "application/json"),
            _ => new("delete, " + claimKind, HttpMethod.Delete, "v1/m/" + mailbox.Id, headers, null, null),
        };
    }

    private HostileRequest WrongContentType()
    {
        var mailbox = AnyMailbox();
        var type = _random.Next(6) == 0 ? null : Pick(WrongContentTypes);
        return _random.Next(2) == 0
            ? new($"create as '{type}'", HttpMethod.Post, "v1/m", [H("deviceClaim", RelayClient.NewId())], Utf8(_bodies.ValidCreate(RelayClient.NewId()).ToJsonString()), type)
            : new($"update by a party as '{type}'", HttpMethod.Put, "v1/m/" + mailbox.Id, [H("deviceClaim", mailbox.SenderClaim)], Utf8(_bodies.ValidUpdate().ToJsonString()), type);
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
        var body = method == HttpMethod.Put ? Utf8(_bodies.ValidUpdate().ToJsonString())
            : method == HttpMethod.Post ? Utf8(_bodies.ValidCreate(RelayClient.NewId()).ToJsonString()[..^1]) : null;
        return new("bad path " + method, method, path, [H("deviceClaim", RelayClient.NewId())], body, body is null ? null : "application/json");
    }

    private HostileRequest OddMethod()
    {
        var mailbox = AnyMailbox();
        var method = new HttpMethod(Pick(OddMethods));
        var body = _random.Next(2) == 0 ? Utf8(_bodies.ValidUpdate().ToJsonString()) : null;
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
            ? new("update by a party, " + kind, HttpMethod.Put, "v1/m/" + mailbox.Id, headers, Utf8(_bodies.ValidUpdate().ToJsonString()), "application/json")
            : new("create, " + kind, HttpMethod.Post, "v1/m", headers, Utf8(_bodies.ValidCreate(RelayClient.NewId()).ToJsonString()), "application/json");
    }

    private HostileRequest Oversize()
    {
        var mailbox = AnyMailbox();
        var body = new byte[_maxBodyBytes + 1 + _random.Next(64 * 1024)];
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

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "…";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
