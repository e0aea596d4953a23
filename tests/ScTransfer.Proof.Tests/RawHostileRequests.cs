using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

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
/// A seeded generator of hostile requests as raw bytes, each on its own connection: what HttpClient refuses to send (bad
/// UTF-8 in the path or headers, repeated or folded headers, conflicting framing, junk request lines, odd targets and
/// versions). Every one is refused by a correct relay, or by Kestrel before the relay sees it.
/// </summary>
internal sealed class RawHostileRequests
{
    private readonly Random _random;
    private readonly BrokenBodies _bodies;
    private readonly IReadOnlyList<SeededMailbox> _mailboxes;

    public RawHostileRequests(int seed, IReadOnlyList<SeededMailbox> mailboxes)
    {
        _random = new Random(seed);
        _bodies = new BrokenBodies(_random);
        _mailboxes = mailboxes;
    }

    public List<RawHostileRequest> Generate(int count)
    {
        var list = new List<RawHostileRequest>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(RawOne());
        }

        return list;
    }

    private SeededMailbox AnyMailbox() => _mailboxes[_random.Next(_mailboxes.Count)];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private RawHostileRequest RawOne()
    {
        var mailbox = AnyMailbox();
        var update = _bodies.ValidUpdate().ToJsonString();
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
