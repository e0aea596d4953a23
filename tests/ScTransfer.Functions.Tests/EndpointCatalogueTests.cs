using System.Diagnostics;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Functions.Telemetry;
using ScTransfer.Relay;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Storage;
using ScTransfer.SelfHost;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// One catalogue of endpoints (<see cref="EndpointCatalogue"/>), read from the function classes' attributes: every
/// function that touches storage has a rate-limit class, and a new endpoint is one class and its attributes, which the
/// runner's routes, the 404/405 answers, the rate limiter and the worker's span all take from there.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class EndpointCatalogueTests
{
    [Fact]
    public void Every_function_that_touches_storage_takes_a_token_from_a_bucket()
    {
        var endpoints = EndpointCatalogue.Relay.Endpoints;
        var touchingStorage = endpoints.Where(e => TouchesStorage(e.FunctionClass)).Select(e => e.Name).ToList();

        Assert.NotEmpty(touchingStorage);
        Assert.All(endpoints.Where(e => touchingStorage.Contains(e.Name)), e => Assert.True(e.RateLimit is not null, $"{e.Name} touches storage but has no rate-limit class."));
        // Those that touch none say so explicitly ([ConcurrencyLimitOnly]), and are the documents held in memory and the catch-all.
        Assert.Equal(
            [nameof(GetAppleAppSiteAssociation), nameof(GetAssetLinks), nameof(GetOpenApiDescription), nameof(NoSuchEndpoint)],
            endpoints.Where(e => e.RateLimit is null).Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Storage_is_found_through_the_constructors_of_what_a_function_takes()
    {
        Assert.True(TouchesStorage(typeof(CreateMailbox))); // MailboxService → IMailboxStore
        Assert.True(TouchesStorage(typeof(TakesOnlyThePrivacyPassGate))); // → PrivacyPassRedeemer → SpentNonceStore → TableServiceClient
        Assert.False(TouchesStorage(typeof(GetAssetLinks))); // AppLinks: options only
        Assert.False(TouchesStorage(typeof(NoSuchEndpoint)));
    }

    [Fact]
    public void An_HTTP_function_class_that_declares_no_rate_limit_class_or_two_is_refused()
    {
        var none = Assert.Throws<InvalidOperationException>(() => EndpointCatalogue.Of([typeof(Undeclared)]));
        var both = Assert.Throws<InvalidOperationException>(() => EndpointCatalogue.Of([typeof(DeclaredTwice)]));

        Assert.Contains(nameof(Undeclared), none.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(DeclaredTwice), both.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_the_405_answers_could_not_match_is_refused()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => EndpointCatalogue.Of([typeof(ConstrainedRoute)]));

        Assert.Contains("v1/widgets/{id:int}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_relay_serves_what_its_attributes_declare()
    {
        var relay = EndpointCatalogue.Relay;

        Assert.Equal(["POST"], relay.Named(nameof(CreateMailbox))!.Methods);
        Assert.Equal("/v1/m/{mailboxIdentifier}", relay.Named(nameof(ReadDisplayInformation))!.RouteTemplate);
        Assert.Equal(RateLimitClass.Write, relay.Named(nameof(RelinquishMailbox))!.RateLimit);
        Assert.Null(relay.Named("NoSuchFunction"));
        Assert.Equal([nameof(DeliverPendingPushes), nameof(PurgeExpiredMailboxes)], relay.Timers.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal("%PurgeSchedule%", relay.Timers.Single(t => t.Name == nameof(PurgeExpiredMailboxes)).Schedule);
    }

    [Fact]
    public async Task A_new_endpoint_is_one_class_and_its_attributes()
    {
        var catalogue = EndpointCatalogue.Of([.. EndpointCatalogue.Relay.Endpoints.Select(e => e.FunctionClass), typeof(GetWidget)]);

        // The catalogue: read from GetWidget's attributes.
        var widget = catalogue.Named(nameof(GetWidget))!;
        Assert.Equal(typeof(GetWidget), widget.FunctionClass);
        Assert.Equal("/v1/widgets/{widgetId}", widget.RouteTemplate);
        Assert.Equal(["GET", "HEAD"], widget.Methods);
        Assert.Equal(RateLimitClass.Read, widget.RateLimit);

        // The runner's route table: mapped at its methods and route, carrying its entry for the pipeline.
        await using var services = new ServiceCollection().AddRouting().BuildServiceProvider();
        var routes = new RouteTable(services).MapHttpFunctions(catalogue, Path.Combine(Repository.Root, "host.json"));
        var mapped = routes.DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Single(e => e.Metadata.GetMetadata<RelayEndpoint>() == widget);
        Assert.Equal("/v1/widgets/{widgetId}", mapped.RoutePattern.RawText);
        Assert.Equal(["GET", "HEAD"], mapped.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods);
        Assert.Equal(nameof(GetWidget), mapped.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName);

        // The 405 (with its Allow list) and the 404's list of paths.
        var other = HttpResultRunner.NewContext();
        other.Request.Method = "DELETE";
        other.Request.Path = "/v1/widgets/w1";
        var (status, _) = await HttpResultRunner.RunAsync(catalogue.Unmatched(other.Request), other);
        Assert.Equal(405, status);
        Assert.Equal("GET, HEAD", other.Response.Headers.Allow.ToString());
        var unknown = HttpResultRunner.NewContext();
        unknown.Request.Path = "/v2/widgets";
        var (_, detail) = await HttpResultRunner.RunAsync(catalogue.Unmatched(unknown.Request), unknown);
        Assert.Contains("/v1/widgets/{widgetId} (GET, HEAD)", detail, StringComparison.Ordinal);

        // The rate limiter: a widget takes its token from the client's read bucket, which the relay's reads share.
        using var limiter = RelayRateLimiterTests.Limiter(o => o.Read = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 });
        Assert.Null(Admit(limiter, widget).Refusal);
        Assert.NotNull(Admit(limiter, catalogue.Named(nameof(ReadSecureContent))).Refusal);
        Assert.Null(Admit(limiter, catalogue.Named(nameof(UpdateMailbox))).Refusal);

        // The worker's span: named by its route template.
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RelayRequestActivity.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var request = HttpResultRunner.NewContext();
        request.Request.Method = "GET";
        using var span = RelayRequestActivity.Start(nameof(GetWidget), widget, request)!;
        Assert.Equal("GET /v1/widgets/{widgetId}", span.DisplayName);
        Assert.Equal("/v1/widgets/{widgetId}", span.GetTagItem("http.route"));

        static RelayAdmission Admit(RelayRateLimiter limiter, RelayEndpoint? endpoint)
        {
            var http = new DefaultHttpContext();
            http.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.77");
            return limiter.Admit(http, endpoint);
        }
    }

    /// <summary>
    /// Whether <paramref name="type"/> reaches storage through its constructors: the storage seam (<see cref="IMailboxStore"/>)
    /// or a Table storage client, followed through the constructors of the relay's own classes as the container builds them.
    /// </summary>
    private static bool TouchesStorage(Type type, HashSet<Type>? seen = null)
    {
        seen ??= [];
        if (type == typeof(IMailboxStore) || type.Namespace?.StartsWith("Azure.Data.Tables", StringComparison.Ordinal) == true)
        {
            return true;
        }

        if (!seen.Add(type))
        {
            return false;
        }

        return type.GetGenericArguments().Any(t => TouchesStorage(t, seen))
            || (type.Assembly.GetName().Name?.StartsWith("ScTransfer.", StringComparison.Ordinal) == true
                && type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                    .SelectMany(c => c.GetParameters()).Any(p => TouchesStorage(p.ParameterType, seen)));
    }

    /// <summary>An endpoint as a new one would be written: one class, its attributes, a service it needs.</summary>
    [RateLimit(RateLimitClass.Read)]
    public sealed class GetWidget(MailboxService mailboxes)
    {
        public MailboxService Mailboxes { get; } = mailboxes;

        [Function(nameof(GetWidget))]
        public Task<IResult> Run(
            [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "v1/widgets/{widgetId}")] HttpRequest request, string widgetId) =>
            Task.FromResult(Results.Ok());
    }

    public sealed class Undeclared
    {
        [Function(nameof(Undeclared))]
        public static Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/undeclared")] HttpRequest request) =>
            Task.FromResult(Results.Ok());
    }

    [RateLimit(RateLimitClass.Read)]
    [ConcurrencyLimitOnly]
    public sealed class DeclaredTwice
    {
        [Function(nameof(DeclaredTwice))]
        public static Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/twice")] HttpRequest request) =>
            Task.FromResult(Results.Ok());
    }

    [ConcurrencyLimitOnly]
    public sealed class ConstrainedRoute
    {
        [Function(nameof(ConstrainedRoute))]
        public static Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/widgets/{id:int}")] HttpRequest request) =>
            Task.FromResult(Results.Ok());
    }

    /// <summary>Where the runner's endpoints go, as a WebApplication holds them, without a server.</summary>
    private sealed class RouteTable(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }

    public sealed class TakesOnlyThePrivacyPassGate(PrivacyPassGate gate)
    {
        public PrivacyPassGate Gate { get; } = gate;
    }
}
