using System.Text.Json;
using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

internal static class FunctionHostExtensions
{
    /// <summary>Schedules every timer function of <paramref name="functions"/>.</summary>
    public static IServiceCollection AddTimerFunctions(this IServiceCollection services, EndpointCatalogue functions)
    {
        foreach (var timer in functions.Timers)
        {
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerFunctionScheduler>(sp, timer));
        }

        return services;
    }

    /// <summary>
    /// Maps every HTTP function of <paramref name="functions"/> at its declared methods and route, under the route
    /// prefix that <c>host.json</c> gives the Functions host (<c>extensions.http.routePrefix</c>, default <c>api</c>),
    /// with its <see cref="RelayEndpoint"/> as endpoint metadata for <see cref="RelayHttpMiddleware"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapHttpFunctions(this IEndpointRouteBuilder routes, EndpointCatalogue functions, string? hostJsonPath)
    {
        var prefix = RoutePrefix(hostJsonPath);
        foreach (var function in functions.Endpoints)
        {
            var invoker = new FunctionInvoker(function.Method);
            var route = "/" + string.Join('/', new[] { prefix, function.Route }.Where(s => s.Length > 0));
            routes.MapMethods(route, function.Methods, async http =>
            {
                var result = await invoker.InvokeAsync(http.RequestServices, http, http.RequestAborted);
                if (result is not null)
                {
                    await result.ExecuteAsync(http);
                }
            }).WithName(function.Name).WithMetadata(function);
        }

        // Methods no function lists (e.g. PROPFIND) match no route, not even the catch-all NoSuchEndpoint's: the same
        // answer for them (under the Functions host they get the host's own 404: the methods a function lists are fixed).
        routes.MapFallback(http => functions.Unmatched(http.Request).ExecuteAsync(http));
        return routes;
    }

    internal static string RoutePrefix(string? hostJsonPath)
    {
        if (hostJsonPath is null || !File.Exists(hostJsonPath))
        {
            return "api";
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!.Trim('/')
            : "api";
    }

    /// <summary>
    /// Reads the <c>Values</c> of a Functions <c>local.settings.json</c> (keys like <c>Relay__PublicBaseUrl</c>), so one
    /// settings file serves <c>func start</c> and this runner alike.
    /// </summary>
    public static IConfigurationBuilder AddFunctionsLocalSettings(this IConfigurationBuilder configuration, string path)
    {
        if (!File.Exists(path))
        {
            return configuration;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var values = new Dictionary<string, string?>();
        if (document.RootElement.TryGetProperty("Values", out var section))
        {
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ToString();
            }
        }

        return configuration.AddInMemoryCollection(values);
    }
}
