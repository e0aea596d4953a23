using System.Reflection;
using System.Text.Json.Nodes;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// The settings the code binds, local.settings.sample.json and the Bicep app settings name the same things:
/// nothing missing, nothing stale. Only the host's own settings may differ, and only those listed here.
/// </summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class SettingsParityTests
{
    /// <summary>Read by the timer triggers' attributes (%PurgeSchedule%, %PushRetrySchedule%), not through an options class.</summary>
    private static readonly string[] BoundOutsideOptions = ["PurgeSchedule", "PushRetrySchedule"];

    /// <summary>Local development only: in Azure the relay reaches tables with its identity (Storage__TableEndpoint).</summary>
    private static readonly string[] LocalOnly = ["Storage__ConnectionString"];

    /// <summary>
    /// Read by the self-hosted runner's Kestrel only (its connection middleware): under Functions the platform owns the
    /// connections (docs/security.md, "Connections under Azure Functions"), so an app setting would do nothing.
    /// </summary>
    private static readonly string[] RunnerOnly = ["RateLimiting__MaxConnectionsPerClient"];

    /// <summary>The Functions host's own settings in the sample (local runs): no options class binds them.</summary>
    private static readonly string[] SampleHostSettings = ["AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"];

    // No FUNCTIONS_WORKER_RUNTIME/FUNCTIONS_EXTENSION_VERSION: Flex Consumption takes the runtime from functionAppConfig.
    private static readonly string[] AzureHostSettings =
    [
        "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "AZURE_CLIENT_ID",
        "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", // the host's request buffer (docs/security.md), not the worker's
    ];

    /// <summary><c>Section__Property</c> for each public settable property of each *Options class with a SectionName.</summary>
    public static SortedSet<string> CodeSettings()
    {
        var names = new SortedSet<string>(BoundOutsideOptions, StringComparer.Ordinal);
        // Options classes with a SectionName, wherever they live (Configuration, PrivacyPass, ..., and the HTTP layer's AppLinksOptions).
        var optionsTypes = new[] { typeof(RelayOptions).Assembly, typeof(AppLinksOptions).Assembly }.SelectMany(a => a.GetExportedTypes())
            .Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal) && t.IsClass
                && (t.Namespace == typeof(RelayOptions).Namespace || t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is not null));
        foreach (var type in optionsTypes)
        {
            var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
            Assert.True(section is not null, $"{type.Name} has no public const SectionName: the parity check cannot name its settings.");
            AddSettings(names, section!, type);
        }

        return names;
    }

    /// <summary>Nested settings objects of the same namespace (e.g. RateLimiting__Create__PermitLimit) name their leaves.</summary>
    private static void AddSettings(SortedSet<string> names, string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            if (property.PropertyType.IsClass && property.PropertyType.Namespace == typeof(RelayOptions).Namespace)
            {
                AddSettings(names, $"{prefix}__{property.Name}", property.PropertyType);
            }
            else
            {
                names.Add($"{prefix}__{property.Name}");
            }
        }
    }

    [Fact]
    public void The_code_binds_the_options_this_check_knows_about()
    {
        // Guards the reflection itself: were it to find nothing, every comparison below would pass vacuously.
        var code = CodeSettings();

        Assert.Contains("Relay__ClaimHashKey", code);
        Assert.Contains("Storage__TableEndpoint", code);
        Assert.Contains("NotificationHubs__HubName", code);
        Assert.Contains("RateLimiting__Create__PermitLimit", code);
        Assert.Contains("AppLinks__AppleAppIds", code); // the HTTP layer's options are found too
        Assert.DoesNotContain("RateLimiting__Create", code); // an object, named by its leaves
        Assert.DoesNotContain("Relay__MaxRequestBodyBytes", code); // computed, not configurable
        Assert.True(RunnerOnly.All(code.Contains), "a runner-only setting the code no longer binds"); // the exclusion stays honest
    }

    [Fact]
    public void Sample_settings_name_every_bound_setting_and_nothing_else()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")))!["Values"]!
            .AsObject().Select(p => p.Key);

        AssertSameNames(CodeSettings().Union(SampleHostSettings), sample, "local.settings.sample.json");
    }

    [Fact]
    public void Bicep_app_settings_name_every_bound_setting_and_nothing_else()
    {
        var bicep = PostureTests.AppSettings().Select(p => p.Key);

        AssertSameNames(CodeSettings().Except(LocalOnly).Except(RunnerOnly).Union(AzureHostSettings), bicep, "infra/app/relay-settings.bicep");
    }

    private static void AssertSameNames(IEnumerable<string> expected, IEnumerable<string> actual, string where)
    {
        var want = expected.ToHashSet(StringComparer.Ordinal);
        var have = actual.ToHashSet(StringComparer.Ordinal);
        var missing = want.Except(have).Order().ToList();
        var stale = have.Except(want).Order().ToList();

        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"{where}: missing [{string.Join(", ", missing)}]; not bound by the code (stale) [{string.Join(", ", stale)}]");
    }
}
