using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// docs/openapi.yaml: lint-clean under Redocly's recommended-strict rules, served by the relay, and a contract that
/// refuses responses it does not describe (every end-to-end response goes through it: see <see cref="OpenApiContract"/>).
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.Node)]
public sealed class OpenApiTests(RelayFixture fixture)
{
    private static string DocumentPath => Path.Combine(Repository.Root, "docs", "openapi.yaml");

    [Fact]
    public async Task Redocly_lints_the_description_with_no_error_and_no_warning()
    {
        var redocly = Path.Combine(Repository.Root, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), "Redocly CLI is not installed: run `npm ci` in the repository root (scripts/test.sh does).");
        var start = new ProcessStartInfo(redocly, ["lint", "docs/openapi.yaml", "--format=json"])
        {
            WorkingDirectory = Repository.Root, // redocly.yaml there sets the rules
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["DO_NOT_TRACK"] = "1";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(3));

        var report = await output;
        Assert.True(process.ExitCode == 0, $"redocly lint exited {process.ExitCode}:\n{report}\n{await errors}");
        using var json = JsonDocument.Parse(report);
        var totals = json.RootElement.GetProperty("totals");
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0
                    && json.RootElement.GetProperty("problems").GetArrayLength() == 0, report);
    }

    [Fact]
    public async Task The_relay_serves_the_description_it_was_built_with()
    {
        using var response = await fixture.Client.SendAsync(HttpMethod.Get, "v1/openapi.yaml", null, RelayClient.NewId(), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/yaml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllTextAsync(DocumentPath), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_contract_refuses_responses_the_description_does_not_describe()
    {
        var contract = OpenApiContract.Relay;
        var id = RelayClient.NewId();
        var json = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json; charset=utf-8" };
        var problem = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/problem+json" };
        const string ProblemBody = """{"type":"about:blank","title":"t","status":503,"detail":"d"}""";

        // What the relay does answer passes...
        Assert.Empty(contract.Check("POST", "/v1/m", 200, json, "application/json",
            $$"""{"urlLink":"https://relay.test.example/v1/m/{{id}}","isPushNotificationSupported":false}"""));
        Assert.Empty(contract.Check("PATCH", $"/v1/m/{id}", 201, new Dictionary<string, string>(), null, ""));
        Assert.Empty(contract.Check("GET", $"/v1/m/{id}", 503,
            new Dictionary<string, string>(problem, StringComparer.OrdinalIgnoreCase) { ["Retry-After"] = "2" }, "application/problem+json", ProblemBody));

        // ...and each kind of drift is caught.
        Assert.NotEmpty(contract.Check("POST", "/v1/m", 200, json, "application/json", $$"""{"urlLink":"https://relay.test.example/v1/m/{{id}}"}"""));
        Assert.NotEmpty(contract.Check("POST", "/v1/m", 200, json, "application/json", """{"urlLink":"not a uri","isPushNotificationSupported":false}"""));
        Assert.NotEmpty(contract.Check("POST", $"/v1/m/{id}", 200, json, "application/json",
            """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAA"},"expiration":"2026-01-31T12:00:00+01:00"}"""));
        Assert.NotEmpty(contract.Check("GET", $"/v1/m/{id}", 503, problem, "application/problem+json", ProblemBody)); // no Retry-After
        Assert.NotEmpty(contract.Check("DELETE", $"/v1/m/{id}", 418, problem, "application/problem+json", ProblemBody));
        Assert.NotEmpty(contract.Check("DELETE", $"/v1/m/{id}", 200, json, "application/json", "{}")); // 200 has no body
        Assert.NotEmpty(contract.Check("PUT", $"/v1/m/{id}", 400, json, "application/json", ProblemBody)); // wrong media type
        Assert.NotEmpty(contract.Check("PUT", $"/v1/m/{id}", 400, problem, "application/problem+json", """{"title":"t","status":400,"detail":"d"}"""));
        Assert.NotEmpty(contract.Check("OPTIONS", $"/v1/m/{id}", 200, json, null, ""));
        Assert.NotEmpty(contract.Check("HEAD", $"/v1/m/{id}", 200, new Dictionary<string, string>(), null, "")); // no Content-Security-Policy
        Assert.NotEmpty(contract.Check("HEAD", "/v1/openapi.yaml", 200, json, "application/json", "{}")); // HEAD has no body
        Assert.NotEmpty(contract.Check("GET", "/v2/m", 404, problem, "application/problem+json", ProblemBody));
    }
}
