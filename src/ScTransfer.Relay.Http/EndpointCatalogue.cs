using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>An HTTP function as its attributes declare it: the facts the Functions SDK writes to functions.metadata, and its rate-limit class.</summary>
/// <param name="Name">The <c>[Function]</c> name.</param>
/// <param name="Method">The function method; its declaring type is the function class.</param>
/// <param name="Route">The <c>[HttpTrigger]</c> route, without host.json's route prefix.</param>
/// <param name="Methods">The HTTP methods it answers, upper case.</param>
/// <param name="RateLimit">Its class (<see cref="RateLimitAttribute"/>); null for <see cref="ConcurrencyLimitOnlyAttribute"/>.</param>
internal sealed record RelayEndpoint(string Name, MethodInfo Method, string Route, IReadOnlyList<string> Methods, RateLimitClass? RateLimit)
{
    public Type FunctionClass => Method.DeclaringType!;

    /// <summary>The route as both hosts serve it (host.json's <c>routePrefix</c> is empty), e.g. <c>/v1/m/{mailboxIdentifier}</c>.</summary>
    public string RouteTemplate { get; } = "/" + Route;
}

/// <summary>A timer function and its schedule expression (possibly a <c>%Setting%</c> reference).</summary>
internal sealed record TimerFunction(string Name, MethodInfo Method, string Schedule);

/// <summary>
/// The relay's functions, read once from the <c>[Function]</c>, <c>[HttpTrigger]</c> and <c>[TimerTrigger]</c>
/// attributes Azure reads and the rate-limit class on each HTTP function class, so that nothing about an endpoint is
/// written twice: the self-hosted runner maps its routes and schedules from here, the pipeline hands each request its
/// <see cref="RelayEndpoint"/> (the rate limiter's class, the worker's span name), and <see cref="Unmatched"/> answers
/// every path and method no function takes.
/// </summary>
internal sealed class EndpointCatalogue
{
    /// <summary>The order of methods in an <c>Allow</c> list and the 404's list.</summary>
    private static readonly string[] MethodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private readonly Dictionary<string, RelayEndpoint> _byName;
    private readonly KnownPath[] _paths;
    private readonly string _served;

    private EndpointCatalogue(List<RelayEndpoint> endpoints, List<TimerFunction> timers)
    {
        Endpoints = endpoints;
        Timers = timers;
        _byName = endpoints.ToDictionary(e => e.Name, StringComparer.Ordinal);
        // The catch-all (NoSuchEndpoint) is not a path of its own: it is what answers for the others.
        _paths = [.. endpoints
            .Select(endpoint => (Endpoint: endpoint, Segments: Segments(endpoint)))
            .Where(route => route.Segments is not null)
            .GroupBy(route => route.Endpoint.RouteTemplate, StringComparer.Ordinal)
            .OrderBy(route => route.Key, StringComparer.Ordinal)
            .Select(route => new KnownPath(route.Key, route.First().Segments!, [.. route.SelectMany(r => r.Endpoint.Methods)]))];
        _served = "The relay serves " + JoinAnd(_paths.Select(p => $"{p.Template} ({AllowList(p.Methods)})")) + ".";
    }

    /// <summary>The functions of ScTransfer.Relay.Http, which both hosts serve.</summary>
    public static EndpointCatalogue Relay { get; } = Of(typeof(EndpointCatalogue).Assembly.GetExportedTypes());

    public IReadOnlyList<RelayEndpoint> Endpoints { get; }

    public IReadOnlyList<TimerFunction> Timers { get; }

    /// <summary>
    /// Reads the functions <paramref name="types"/> declare. An HTTP function class that declares neither
    /// <see cref="RateLimitAttribute"/> nor <see cref="ConcurrencyLimitOnlyAttribute"/>, or a route the 405 answers
    /// cannot match, is refused here, so neither host starts with it.
    /// </summary>
    public static EndpointCatalogue Of(IEnumerable<Type> types)
    {
        var endpoints = new List<RelayEndpoint>();
        var timers = new List<TimerFunction>();
        foreach (var method in types.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>()?.Name is not { } name)
            {
                continue;
            }

            if (TriggerOf<HttpTriggerAttribute>(method) is { } http)
            {
                endpoints.Add(new RelayEndpoint(
                    name, method, http.Route ?? name, [.. (http.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant())], RateLimitOf(method.DeclaringType!)));
            }
            else if (TriggerOf<TimerTriggerAttribute>(method) is { } timer)
            {
                timers.Add(new TimerFunction(name, method, timer.Schedule));
            }
        }

        return new EndpointCatalogue(endpoints, timers);
    }

    /// <summary>The HTTP function named <paramref name="functionName"/>; null when there is none.</summary>
    public RelayEndpoint? Named(string? functionName) =>
        functionName is not null && _byName.TryGetValue(functionName, out var endpoint) ? endpoint : null;

    /// <summary>
    /// The answer to a request no function takes: a problem+json 404 naming the paths the relay serves, or a 405 with
    /// <c>Allow</c> for a known path asked with another method (RFC 9110 §15.5.6). Served by the catch-all function on
    /// both hosts (and the runner's fallback), so it passes through the same pipeline as every endpoint.
    /// </summary>
    public IResult Unmatched(HttpRequest request)
    {
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var allowed = _paths.Where(p => p.Matches(segments)).SelectMany(p => p.Methods).ToList();
        if (allowed.Count == 0)
        {
            return RelayResults.Problem(new ProtocolError(404, "No such endpoint", _served));
        }

        var allow = AllowList(allowed);
        request.HttpContext.Response.Headers.Allow = allow;
        return RelayResults.Problem(new ProtocolError(405, "Method not allowed", $"This path takes {allow}."));
    }

    private static RateLimitClass? RateLimitOf(Type functionClass)
    {
        var limit = functionClass.GetCustomAttribute<RateLimitAttribute>();
        var concurrencyOnly = functionClass.GetCustomAttribute<ConcurrencyLimitOnlyAttribute>() is not null;
        return (limit, concurrencyOnly) switch
        {
            ({ } declared, false) => declared.Class,
            (null, true) => null,
            _ => throw new InvalidOperationException(
                $"{functionClass.Name} must declare one rate-limit class: [RateLimit(RateLimitClass.…)], or [ConcurrencyLimitOnly] when it touches no storage."),
        };
    }

    /// <summary>The route's segments, a literal or null for a parameter; null for the catch-all route.</summary>
    private static string?[]? Segments(RelayEndpoint endpoint)
    {
        var pattern = RoutePatternFactory.Parse(endpoint.Route);
        if (pattern.Parameters is [{ IsCatchAll: true }] && pattern.PathSegments.Count == 1)
        {
            return null;
        }

        return [.. pattern.PathSegments.Select(segment => segment.Parts switch
        {
            [RoutePatternLiteralPart literal] => literal.Content,
            [RoutePatternParameterPart { IsCatchAll: false, IsOptional: false, ParameterPolicies.Count: 0 }] => (string?)null,
            _ => throw new InvalidOperationException(
                $"{endpoint.Name}: route '{endpoint.Route}' may have literal and plain '{{parameter}}' segments only, or be a lone catch-all."),
        })];
    }

    private static T? TriggerOf<T>(MethodInfo method) where T : Attribute =>
        method.GetParameters().Select(p => p.GetCustomAttribute<T>()).FirstOrDefault(a => a is not null);

    private static string AllowList(IEnumerable<string> methods) =>
        string.Join(", ", methods.Distinct().OrderBy(m => Array.IndexOf(MethodOrder, m) is var i and >= 0 ? i : MethodOrder.Length).ThenBy(m => m, StringComparer.Ordinal));

    private static string JoinAnd(IEnumerable<string> items) => items.ToList() switch
    {
        [var only] => only,
        [.. var rest, var last] => string.Join(", ", rest) + " and " + last,
        _ => "nothing",
    };

    /// <summary>A route of the relay's and the methods its functions answer there, matched as the segments of a path.</summary>
    private sealed record KnownPath(string Template, string?[] Segments, string[] Methods)
    {
        public bool Matches(string[] path) =>
            path.Length == Segments.Length && Segments.Zip(path).All(s => s.First is null || s.First.Equals(s.Second, StringComparison.Ordinal));
    }
}
