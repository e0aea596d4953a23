using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Http.Telemetry;

namespace ScTransfer.Functions.Telemetry;

/// <summary>
/// The worker's own span for an HTTP invocation: a server span named by the function's route template (never the path,
/// which names the mailbox), with the method, the route and the status the relay answered. Application Insights shows
/// it as the request, with its result code, and the storage calls under it. The self-hosted runner has ASP.NET Core's
/// server span instead (its path redacted by <see cref="TelemetryRedaction"/>). The host's own request records, which
/// carry the URL, are switched off in host.json (docs/operations.md, "What the Functions host records").
/// </summary>
internal static class RelayRequestActivity
{
    public const string SourceName = "ScTransfer.Relay";

    private static readonly ActivitySource Source = new(SourceName);

    /// <param name="functionName">The invoked function's name.</param>
    /// <param name="endpoint">Its <see cref="EndpointCatalogue"/> entry, whose route template names the span.</param>
    /// <param name="http">The request.</param>
    public static Activity? Start(string functionName, RelayEndpoint? endpoint, HttpContext http)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var route = endpoint?.RouteTemplate ?? "/";
        var method = http.Request.Method;
        var activity = Source.StartActivity(method + " " + route, ActivityKind.Server);
        activity?.SetTag("http.request.method", method);
        activity?.SetTag("http.route", route);
        activity?.SetTag("faas.name", functionName);
        return activity;
    }

    public static void Stop(Activity? activity, HttpContext http)
    {
        if (activity is null)
        {
            return;
        }

        var status = http.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }

        activity.Dispose();
    }
}
