using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ScTransfer.Testing;

/// <summary>One way a relay can be wrong, each a thing <c>sct check</c> must catch (docs/cli.md names the case).</summary>
[Flags]
public enum RelayDefect
{
    None = 0,

    /// <summary>A duplicate create answers 200 where §5 and §6.1.5 make it 201.</summary>
    DuplicateCreateAnswers200 = 1 << 0,

    /// <summary>No answer echoes Mailbox-Correlation-ID or Mailbox-Request-ID (§5).</summary>
    NoCorrelationEcho = 1 << 1,

    /// <summary>The Apple association file comes as text/plain.</summary>
    AppleFileAsText = 1 << 2,

    /// <summary>The Android association file is a redirect to another path.</summary>
    AndroidFileRedirected = 1 << 3,

    /// <summary>No answer carries Strict-Transport-Security.</summary>
    NoHsts = 1 << 4,

    /// <summary>Create answers' urlLink names another host than the relay's.</summary>
    ForeignLinkBase = 1 << 5,

    /// <summary>A read the relay refused with 401 (another receiver is bound) is answered 200 with the mailbox's content.</summary>
    SecondReceiverAdmitted = 1 << 6,

    /// <summary>Answers name the server's software and version (Server, X-Powered-By).</summary>
    ServerVersion = 1 << 7,

    /// <summary>The pages' Content-Security-Policy lets inline script run.</summary>
    ScriptOnPages = 1 << 8,

    /// <summary>Error answers are text/plain instead of problem details.</summary>
    PlainTextErrors = 1 << 9,

    /// <summary>The first GET of a mailbox is answered 429 without Retry-After.</summary>
    ThrottledWithoutRetryAfter = 1 << 10,

    /// <summary>Every 401 becomes a 400 whose detail repeats the request's claim: a relay that leaks what it is sent.</summary>
    RefusalsEchoTheClaim = 1 << 11,
}

/// <summary>
/// A relay made wrong in controlled ways, for proving that <c>sct check</c> catches each defect: an HTTP proxy on
/// Kestrel (plain http, or https with a given certificate) in front of a real relay that forwards every request and
/// changes the answers its <see cref="Defects"/> name. It keeps what it saw: the mailboxes the relay made
/// (<see cref="MailboxesMade"/>) and every claim, token and payload sent (<see cref="SecretsSent"/>), so a test can
/// hold the check to deleting the first and never printing the second.
/// </summary>
public sealed partial class WrongRelay : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Expect", "Proxy-Connection", "Upgrade",
    };

    private static readonly string[] ClaimHeaders = ["deviceClaim", "Mailbox-Device-Claim", "Device-Claim"];

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentDictionary<Guid, byte> _made = new();
    private readonly ConcurrentDictionary<string, byte> _secrets = new();
    private readonly ConcurrentDictionary<string, byte[]> _lastRead = new();
    private int _throttled;

    private WrongRelay(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = upstream,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What is wrong with the answers from now on; a test may change it between runs.</summary>
    public RelayDefect Defects { get; set; }

    /// <summary>Every mailbox a create answer (200 or 201) named.</summary>
    public IReadOnlyCollection<Guid> MailboxesMade => [.. _made.Keys];

    /// <summary>Every device claim, notification token and payload a request carried.</summary>
    public IReadOnlyCollection<string> SecretsSent => [.. _secrets.Keys];

    /// <summary>Starts the proxy in front of <paramref name="upstream"/>; with a certificate it serves https.</summary>
    public static async Task<WrongRelay> StartAsync(Uri upstream, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the relay behind decides what is too large
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        var proxy = new WrongRelay(app, upstream);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var claim = ClaimHeaders.Select(h => request.Headers[h].ToString()).FirstOrDefault(v => v.Length > 0);
        Remember(claim, body.ToArray());

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), path + request.QueryString);
        foreach (var (name, values) in request.Headers.Where(h => !HopByHop.Contains(h.Key) && !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)))
        {
            forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        if (body.Length > 0 || request.ContentLength == 0)
        {
            forward.Content = new ByteArrayContent(body.ToArray());
            foreach (var (name, values) in request.Headers.Where(h => h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && h.Key != "Content-Length"))
            {
                forward.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseContentRead, context.RequestAborted);
        var status = (int)answer.StatusCode;
        var content = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        var headers = answer.Headers.Concat(answer.Content.Headers)
            .Where(h => !HopByHop.Contains(h.Key))
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);

        // The relay's own headers stay (security headers, the echo); only what the defect names changes.
        if (Defects.HasFlag(RelayDefect.ThrottledWithoutRetryAfter) && request.Method == "GET" && segments is ["v1", "m", _]
            && Interlocked.Exchange(ref _throttled, 1) == 0)
        {
            status = 429;
            content = """{"type":"about:blank","title":"Too many requests","status":429}"""u8.ToArray();
            headers["Content-Type"] = "application/problem+json";
            headers.Remove("Retry-After");
        }

        if (Defects.HasFlag(RelayDefect.AndroidFileRedirected) && path == "/.well-known/assetlinks.json")
        {
            status = 301;
            content = "Moved"u8.ToArray();
            headers["Content-Type"] = "text/plain";
            headers["Location"] = "/.well-known/assetlinks-v2.json";
        }

        if (request.Method == "POST" && segments is ["v1", "m"] && status is 200 or 201)
        {
            var json = JsonNode.Parse(content)!.AsObject();
            var link = json["urlLink"]!.GetValue<string>();
            _made.TryAdd(Guid.Parse(link[(link.LastIndexOf('/') + 1)..]), 0);
            if (Defects.HasFlag(RelayDefect.ForeignLinkBase))
            {
                json["urlLink"] = "https://elsewhere.example" + new Uri(link).AbsolutePath;
                content = Encoding.UTF8.GetBytes(json.ToJsonString());
            }

            if (Defects.HasFlag(RelayDefect.DuplicateCreateAnswers200))
            {
                status = 200;
            }
        }

        if (request.Method == "POST" && segments is ["v1", "m", var mailbox])
        {
            if (status == 200)
            {
                _lastRead[mailbox] = content;
            }
            else if (status == 401 && Defects.HasFlag(RelayDefect.SecondReceiverAdmitted) && _lastRead.TryGetValue(mailbox, out var stolen))
            {
                (status, content) = (200, stolen);
                headers["Content-Type"] = "application/json; charset=utf-8";
            }
        }

        if (status == 401 && Defects.HasFlag(RelayDefect.RefusalsEchoTheClaim))
        {
            status = 400;
            content = Encoding.UTF8.GetBytes($$"""{"type":"about:blank","title":"Refused","status":400,"detail":"deviceClaim {{claim}} is not allowed here"}""");
        }

        if (Defects.HasFlag(RelayDefect.NoCorrelationEcho))
        {
            headers.Remove("Mailbox-Correlation-ID");
            headers.Remove("Mailbox-Request-ID");
        }

        if (Defects.HasFlag(RelayDefect.NoHsts))
        {
            headers.Remove("Strict-Transport-Security");
        }

        if (Defects.HasFlag(RelayDefect.AppleFileAsText) && path == "/.well-known/apple-app-site-association")
        {
            headers["Content-Type"] = "text/plain; charset=utf-8";
        }

        if (Defects.HasFlag(RelayDefect.ServerVersion))
        {
            headers["Server"] = "Kestrel/10.0.1";
            headers["X-Powered-By"] = "ASP.NET";
        }

        if (Defects.HasFlag(RelayDefect.ScriptOnPages) && headers.ContainsKey("Content-Security-Policy"))
        {
            headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
        }

        if (Defects.HasFlag(RelayDefect.PlainTextErrors) && status >= 400)
        {
            headers["Content-Type"] = "text/plain; charset=utf-8";
        }

        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentLength = content.Length;
        if (request.Method != "HEAD")
        {
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }
    }

    /// <summary>Keeps the claim, payloads and tokens a request carried, in every form a report could show them.</summary>
    private void Remember(string? claim, byte[] body)
    {
        if (claim is { Length: > 0 })
        {
            _secrets.TryAdd(claim, 0);
        }

        foreach (Match secret in SecretField().Matches(Encoding.UTF8.GetString(body)))
        {
            if (secret.Groups["value"].Value.Length >= 16)
            {
                _secrets.TryAdd(secret.Groups["value"].Value, 0);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    [GeneratedRegex("\"(data|tokenData)\"\\s*:\\s*\"(?<value>[^\"]*)\"")]
    private static partial Regex SecretField();
}

/// <summary>A certificate authority of its own for tests that serve https: a root, and server certificates it issues.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(X509Certificate2 root) => Root = root;

    public X509Certificate2 Root { get; }

    public static TestCertificateAuthority Create()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sct check test root", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return new TestCertificateAuthority(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)));
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost, valid for <paramref name="days"/> days, with its private key.</summary>
    public X509Certificate2 IssueForLoopback(int days = 30)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(Root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(days), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Through PKCS #12, as a certificate loaded from a file would be: TLS on every platform takes it that way.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>The root as PEM in <paramref name="path"/>, for <c>sct check --ca-certificate</c>.</summary>
    public void WriteRootPem(string path) => File.WriteAllText(path, Root.ExportCertificatePem());

    public void Dispose() => Root.Dispose();
}
