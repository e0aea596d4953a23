using System.Text.Json;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>The Azure Functions app's own build output declares the draft's endpoints and the association files: what `func start` and Azure read.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class FunctionsMetadataTests
{
    private static string OutputDirectory => Path.Combine(Repository.Root, "src", "ScTransfer.Functions", "bin", Repository.Configuration, "net10.0");

    [Theory]
    [InlineData("CreateMailbox", "post", "v1/m")]
    [InlineData("UpdateMailbox", "put", "v1/m/{mailboxIdentifier}")]
    [InlineData("DeleteMailbox", "delete", "v1/m/{mailboxIdentifier}")]
    [InlineData("ReadDisplayInformation", "get,head", "v1/m/{mailboxIdentifier}")]
    [InlineData("ReadSecureContent", "post", "v1/m/{mailboxIdentifier}")]
    [InlineData("RelinquishMailbox", "patch", "v1/m/{mailboxIdentifier}")]
    [InlineData("GetOpenApiDescription", "get,head", "v1/openapi.yaml")]
    [InlineData("GetAppleAppSiteAssociation", "get,head", ".well-known/apple-app-site-association")]
    [InlineData("GetAssetLinks", "get,head", ".well-known/assetlinks.json")]
    public void Each_endpoint_is_an_anonymous_HTTP_function_with_the_drafts_method_and_route(string name, string methods, string route)
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "functions.metadata")));
        var function = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == name);
        var trigger = function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        // HEAD wherever GET is served (RFC 9110 §9.3.2): the host answers only the methods a function lists.
        Assert.Equal(methods.Split(','), trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
        Assert.Equal(route, trigger.GetProperty("route").GetString());
    }

    [Fact]
    public void The_purge_is_a_timer_function_on_the_PurgeSchedule_setting() => AssertTimer("PurgeExpiredMailboxes", "%PurgeSchedule%");

    [Fact]
    public void The_push_retry_is_a_timer_function_on_the_PushRetrySchedule_setting() => AssertTimer("DeliverPendingPushes", "%PushRetrySchedule%");

    private static void AssertTimer(string name, string schedule)
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "functions.metadata")));
        var function = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == name);
        var trigger = function.GetProperty("bindings").EnumerateArray().Single();

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(schedule, trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void A_catch_all_function_answers_what_no_endpoint_takes_for_every_method()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "functions.metadata")));
        var function = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == "NoSuchEndpoint");
        var trigger = function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        Assert.Equal(["delete", "get", "head", "options", "patch", "post", "put"],
            trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order());
        Assert.Equal("{*path}", trigger.GetProperty("route").GetString());
    }

    /// <summary>
    /// The worker runs the function classes of src/ScTransfer.Relay.Http, the library the self-hosted runner serves too:
    /// the Functions SDK indexes them from the app's reference to it, and the host loads them from that assembly.
    /// </summary>
    [Fact]
    public void Every_function_is_a_class_of_the_library_both_hosts_serve()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "functions.metadata")));
        var functions = metadata.RootElement.EnumerateArray().ToList();

        Assert.Equal(12, functions.Count);
        Assert.All(functions, function =>
        {
            Assert.Equal("ScTransfer.Relay.Http.dll", function.GetProperty("scriptFile").GetString());
            Assert.Equal($"ScTransfer.Relay.Http.{function.GetProperty("name").GetString()}.Run", function.GetProperty("entryPoint").GetString());
        });
        Assert.True(File.Exists(Path.Combine(OutputDirectory, "ScTransfer.Relay.Http.dll")));
    }

    [Fact]
    public void Host_json_beside_the_app_sets_an_empty_route_prefix()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "host.json")));

        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    /// <summary>
    /// The host's own request and dependency records carry the request URL, whose path names the mailbox: the host
    /// keeps them to itself, and the worker's server span (no path) is the request in Application Insights
    /// (docs/operations.md, "What the Functions host records"). Only Azure can show the host honouring these; this
    /// holds the settings in place.
    /// </summary>
    [Fact]
    public void Host_json_keeps_the_hosts_url_bearing_records_out_of_telemetry()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "host.json")));
        var logging = host.RootElement.GetProperty("logging");

        Assert.False(host.RootElement.TryGetProperty("telemetryMode", out _)); // the host's OpenTelemetry mode exports url.path
        Assert.Equal("None", logging.GetProperty("logLevel").GetProperty("Host.Results").GetString());
        Assert.False(logging.GetProperty("applicationInsights").GetProperty("enableDependencyTracking").GetBoolean());
        Assert.False(logging.GetProperty("applicationInsights").GetProperty("httpAutoCollectionOptions")
            .GetProperty("enableHttpTriggerExtendedInfoCollection").GetBoolean());
    }
}
