using System.Collections.Immutable;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Storage;
using ScTransfer.SelfHost;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// What both hosts' middleware do around a function (RelayHttpPipeline), run through each host's own adapter: the
/// Functions worker's RelayFunctionsMiddleware (on a FunctionContext double) and the self-hosted runner's
/// RelayHttpMiddleware (on an endpoint as the runner maps it). The function is a stand-in delegate that records it ran.
/// </summary>
public abstract class MiddlewareTests : IDisposable
{
    private protected readonly FunctionHarness Relay = new(new Dictionary<string, string?>
    {
        ["RateLimiting:Create:PermitLimit"] = "1",
        ["RateLimiting:Create:TokensPerPeriod"] = "1",
        ["RateLimiting:Create:ReplenishmentSeconds"] = "60",
    });

    /// <summary>Runs <paramref name="function"/> as the function named <paramref name="functionName"/> behind the host's middleware.</summary>
    private protected abstract Task RunAsync(HttpContext http, string functionName, Func<HttpContext, Task> function);

    [Fact]
    public async Task A_client_over_its_limit_gets_429_with_Retry_After_and_the_function_does_not_run()
    {
        var runs = 0;
        Task Function(HttpContext http)
        {
            runs++;
            http.Response.StatusCode = 200;
            return Task.CompletedTask;
        }

        var first = Relay.Request("POST", "/v1/m");
        var second = Relay.Request("POST", "/v1/m");
        await RunAsync(first, nameof(CreateMailbox), Function);
        await RunAsync(second, nameof(CreateMailbox), Function);

        Assert.Equal(200, first.Response.StatusCode);
        var refused = Answer.Of(second);
        Assert.Equal(429, refused.Status);
        Assert.True(refused.IsProblem);
        Assert.InRange(int.Parse(refused.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 120);
        Assert.Equal("nosniff", refused.Headers.XContentTypeOptions.ToString()); // the policy ran first
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task The_correlation_id_is_echoed_and_the_function_sees_it()
    {
        string? seen = null;
        var http = Relay.Request("GET", "/v1/openapi.yaml");
        http.Request.Headers["Mailbox-Request-ID"] = "7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11";

        await RunAsync(http, nameof(GetOpenApiDescription), h =>
        {
            seen = RelayRequestFeature.Of(h.Request).CorrelationId;
            return Task.CompletedTask;
        });

        Assert.Equal("7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11", http.Response.Headers["Mailbox-Request-ID"].ToString());
        Assert.Equal("7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11", seen);
    }

    [Fact]
    public async Task A_malformed_correlation_id_is_400_before_the_function_runs()
    {
        var ran = false;
        var http = Relay.Request("GET", "/v1/openapi.yaml");
        http.Request.Headers["Mailbox-Correlation-ID"] = "two words";

        await RunAsync(http, nameof(GetOpenApiDescription), _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        Assert.Equal(400, Answer.Of(http).Status);
        Assert.False(http.Response.Headers.ContainsKey("Mailbox-Correlation-ID"));
        Assert.False(ran);
    }

    [Fact]
    public async Task Storage_unavailable_is_503_with_Retry_After_never_500()
    {
        var http = Relay.Request("GET", "/v1/m/x");

        await RunAsync(http, nameof(ReadDisplayInformation), _ => throw new StorageUnavailableException("Table storage did not answer.", null));

        var answer = Answer.Of(http);
        Assert.Equal(503, answer.Status);
        Assert.True(answer.IsProblem);
        Assert.Equal(RelayHttpPolicy.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task A_body_still_arriving_holds_its_clients_place_but_none_of_the_instances()
    {
        using var relay = new FunctionHarness(new Dictionary<string, string?>
        {
            ["RateLimiting:MaxConcurrentRequests"] = "1",
            ["RateLimiting:MaxConcurrentRequestsPerClient"] = "1",
        });
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = relay.Request("PUT", "/v1/m/x", remote: "203.0.113.1");
        slow.Request.ContentType = "application/json";
        slow.Request.ContentLength = 2;
        var body = new HeldBody("{}"u8.ToArray(), arrived.Task);
        slow.Request.Body = body;
        string? seen = null;
        var uploading = RunAsync(slow, nameof(UpdateMailbox), h =>
        {
            seen = System.Text.Encoding.UTF8.GetString(RelayRequestFeature.Of(h.Request).Body.Memory.Span);
            return Task.CompletedTask;
        });
        await body.Reading.DefaultTimeout();
        Assert.False(uploading.IsCompleted); // waiting for its body, outside the instance's one place

        var other = relay.Request("GET", "/v1/openapi.yaml", remote: "203.0.113.2");
        var ran = false;
        await RunAsync(other, nameof(GetOpenApiDescription), _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        var sameClient = relay.Request("GET", "/v1/openapi.yaml", remote: "203.0.113.1");
        await RunAsync(sameClient, nameof(GetOpenApiDescription), _ => throw new InvalidOperationException("must not run"));

        Assert.True(ran); // another client is served meanwhile
        var refused = Answer.Of(sameClient);
        Assert.Equal(429, refused.Status);
        Assert.Contains("requests in progress", refused.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        arrived.SetResult();
        await uploading.DefaultTimeout();
        Assert.Equal("{}", seen); // the function has the body as it came
    }

    public void Dispose() => Relay.Dispose();

    /// <summary>A request body that arrives only once <paramref name="arrived"/> completes; <see cref="Reading"/> once it is read.</summary>
    private sealed class HeldBody(byte[] content, Task arrived) : MemoryStream(content, writable: false)
    {
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reading => _reading.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _reading.TrySetResult();
            await arrived.WaitAsync(cancellationToken);
            return await base.ReadAsync(buffer, cancellationToken);
        }
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayFunctionsMiddlewareTests : MiddlewareTests
{
    private protected override Task RunAsync(HttpContext http, string functionName, Func<HttpContext, Task> function) =>
        Middleware(http.RequestServices).Invoke(new TestFunctionContext(functionName, http), _ => function(http));

    // The test functions write their answers themselves: no invocation result for the middleware to take.
    private RelayFunctionsMiddleware Middleware(IServiceProvider? services = null) =>
        new(ActivatorUtilities.GetServiceOrCreateInstance<RelayHttpPipeline>(services ?? Relay.Services), EndpointCatalogue.Relay) { TakeAnswer = _ => null };

    [Fact]
    public async Task A_timer_invocation_has_no_HTTP_context_and_just_runs()
    {
        var ran = false;

        await Middleware().Invoke(new TestFunctionContext(nameof(PurgeExpiredMailboxes), http: null), _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        Assert.True(ran);
    }

    [Fact]
    public async Task The_address_the_hosts_own_proxy_appended_is_the_client()
    {
        // Under the Functions host every request comes from the host's loopback proxy, which writes the address it saw
        // into X-Forwarded-For: two clients behind it must not share one bucket.
        var first = Relay.Request("POST", "/v1/m", remote: "127.0.0.1");
        var second = Relay.Request("POST", "/v1/m", remote: "127.0.0.1");
        first.Request.Headers["X-Forwarded-For"] = "198.51.100.1";
        second.Request.Headers["X-Forwarded-For"] = "198.51.100.2";

        await RunAsync(first, nameof(CreateMailbox), _ => Task.CompletedTask);
        await RunAsync(second, nameof(CreateMailbox), _ => Task.CompletedTask);

        Assert.Equal(200, first.Response.StatusCode);
        Assert.Equal(200, second.Response.StatusCode);
    }

    /// <summary>
    /// A FunctionContext as the worker's ASP.NET Core integration leaves it for a middleware: the function's definition and
    /// the request's HttpContext in Items (under the key GetHttpContext reads). Nothing else is used.
    /// </summary>
    private sealed class TestFunctionContext : FunctionContext
    {
        public TestFunctionContext(string functionName, HttpContext? http)
        {
            FunctionDefinition = new TestFunctionDefinition(functionName);
            if (http is not null)
            {
                Items["HttpRequestContext"] = http;
            }
        }

        public override string InvocationId => "test-invocation";

        public override string FunctionId => FunctionDefinition.Id;

        public override TraceContext TraceContext => throw new NotSupportedException();

        public override BindingContext BindingContext => throw new NotSupportedException();

        public override RetryContext RetryContext => throw new NotSupportedException();

        public override IServiceProvider InstanceServices { get; set; } = null!;

        public override FunctionDefinition FunctionDefinition { get; }

        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

        public override IInvocationFeatures Features => throw new NotSupportedException();
    }

    private sealed class TestFunctionDefinition(string name) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(CreateMailbox).Assembly.Location;

        public override string EntryPoint => $"ScTransfer.Relay.Http.{name}.Run";

        public override string Id => name;

        public override string Name => name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayHttpMiddlewareTests : MiddlewareTests
{
    private protected override Task RunAsync(HttpContext http, string functionName, Func<HttpContext, Task> function)
    {
        // As FunctionHostExtensions.MapHttpFunctions maps it: named after the function, with its catalogue entry.
        var metadata = new EndpointMetadataCollection(new EndpointNameMetadata(functionName), RelayRateLimiterTests.Endpoint(functionName));
        http.SetEndpoint(new Endpoint(_ => Task.CompletedTask, metadata, functionName));
        return ActivatorUtilities.CreateInstance<RelayHttpMiddleware>(http.RequestServices, new RequestDelegate(function)).InvokeAsync(http);
    }

    [Fact]
    public async Task X_Forwarded_For_is_not_trusted_without_a_configured_proxy()
    {
        // No proxy of the host's own stands in front of Kestrel: a client cannot pick its bucket with the header.
        var first = Relay.Request("POST", "/v1/m", remote: "192.0.2.50");
        var second = Relay.Request("POST", "/v1/m", remote: "192.0.2.50");
        first.Request.Headers["X-Forwarded-For"] = "198.51.100.1";
        second.Request.Headers["X-Forwarded-For"] = "198.51.100.2";

        await RunAsync(first, nameof(CreateMailbox), _ => Task.CompletedTask);
        await RunAsync(second, nameof(CreateMailbox), _ => Task.CompletedTask);

        Assert.Equal(200, first.Response.StatusCode);
        Assert.Equal(429, second.Response.StatusCode);
    }
}
