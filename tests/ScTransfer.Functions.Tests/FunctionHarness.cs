using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScTransfer.Relay.Http;
using ScTransfer.Relay;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The relay's services as both hosts register them (AddSecureCredentialRelay, then AddRelayHttp) over the
/// <see cref="InMemoryMailboxStore"/>, and requests on <see cref="DefaultHttpContext"/>: the function classes and the
/// middlewares in process, with no emulator and no relay process.
/// </summary>
internal sealed class FunctionHarness : IDisposable
{
    public const string PublicBaseUrl = "https://relay.test.example";

    private readonly ServiceProvider _services;

    /// <param name="settings">Settings over the defaults below, by their configuration keys (e.g. <c>RateLimiting:Enabled</c>).</param>
    public FunctionHarness(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Relay:PublicBaseUrl"] = PublicBaseUrl,
            ["Relay:ClaimHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Relay:TokenEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            // Never reached: the store is the in-memory one, and nothing here spends a Privacy Pass token.
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["PurgeSchedule"] = "0 */1 * * * *",
            ["PushRetrySchedule"] = "*/10 * * * * *",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMailboxStore>(Store); // before the core's TryAdd of the Table store
        services.AddSecureCredentialRelay(configuration).AddRelayHttp(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public InMemoryMailboxStore Store { get; } = new();

    public IServiceProvider Services => _services;

    public MailboxService Mailboxes => _services.GetRequiredService<MailboxService>();

    /// <summary>A function class created from the container, as the worker and the runner create it per invocation.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(_services);

    public static string Link(MailboxId id) => PublicBaseUrl + "/v1/m/" + id;

    /// <summary>A request with an empty response body to write into; a JSON body when <paramref name="json"/> is given.</summary>
    public DefaultHttpContext Request(string method, string path, DeviceClaim? claim = null, string? json = null, string remote = "192.0.2.10")
    {
        var http = new DefaultHttpContext { RequestServices = _services };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Response.Body = new MemoryStream();
        if (claim is { } c)
        {
            http.Request.Headers["deviceClaim"] = c.Reveal();
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = bytes.Length;
            http.Request.Body = new MemoryStream(bytes);
        }

        return http;
    }

    /// <summary>
    /// Runs <paramref name="run"/> on a function class created from the container, behind <see cref="RelayHttpPipeline"/>
    /// as both hosts run it (its catalogue entry, the Correlation-ID, the rate limits, the body read once), and reads back
    /// what was written.
    /// </summary>
    public async Task<Answer> RunAsync<T>(HttpContext http, Func<T, Task<IResult>> run) where T : class
    {
        var endpoint = EndpointCatalogue.Relay.Endpoints.Single(e => e.FunctionClass == typeof(T));
        await _services.GetRequiredService<RelayHttpPipeline>().InvokeAsync(
            http, endpoint, hostHops: 0, async () => await (await run(Function<T>())).ExecuteAsync(http));
        return Answer.Of(http);
    }

    /// <summary>Runs an answer into its context and reads back what was written.</summary>
    public static async Task<Answer> AnswerAsync(IResult result, HttpContext http)
    {
        await result.ExecuteAsync(http);
        return Answer.Of(http);
    }

    /// <summary>A create body for <paramref name="id"/>: a 32-byte payload, the title "Car Key", an hour to live, all rights.</summary>
    public static string CreateBody(MailboxId id) =>
        $$$"""{"mailboxIdentifier":"{{{id}}}","displayInformation":{"title":"Car Key"},"payload":{"type":"AES256","data":"{{{Convert.ToBase64String(new byte[32])}}}"},"mailboxConfiguration":{"timeToLive":3600,"accessRights":"RWD"}}""";

    /// <summary>Creates a mailbox as <paramref name="sender"/> through the protocol, and binds <paramref name="receiver"/> when given.</summary>
    public async Task<MailboxId> CreatedAsync(DeviceClaim sender, DeviceClaim? receiver = null)
    {
        var id = MailboxId.New();
        var parser = _services.GetRequiredService<MailboxRequestParser>();
        Assert.True(parser.TryParseCreate(Encoding.UTF8.GetBytes(CreateBody(id)), out var create, out var error), error?.Detail);
        Assert.Equal(200, (await Mailboxes.CreateAsync(create!, sender, null, default)).Status);
        if (receiver is { } r)
        {
            Assert.Equal(200, (await Mailboxes.ReadAsync(id, r, default)).Status);
        }

        return id;
    }

    public void Dispose() => _services.Dispose();
}

/// <summary>What an answer wrote: status, headers and body.</summary>
internal sealed record Answer(int Status, IHeaderDictionary Headers, string? ContentType, string Body)
{
    public static Answer Of(HttpContext http) => new(
        http.Response.StatusCode,
        http.Response.Headers,
        http.Response.ContentType,
        Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray()));

    public bool IsProblem => ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true;

    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
}
