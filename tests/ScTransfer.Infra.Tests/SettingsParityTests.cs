using System.Reflection;
using System.Text.Json.Nodes;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// The settings the code binds, local.settings.sample.json and the Bicep app settings name the same things:
/// nothing missing, nothing stale. Only the host's own settings may differ, and only those listed here.
/// </summary>
public sealed class SettingsParityTests
{
    /// <summary>Read by the timer trigger's attribute (%PurgeSchedule%), not through an options class.</summary>
    private static readonly string[] BoundOutsideOptions = ["PurgeSchedule"];

    /// <summary>Local development only: in Azure the relay reaches tables with its identity (Storage__TableEndpoint).</summary>
    private static readonly string[] LocalOnly = ["Storage__ConnectionString"];

    /// <summary>
    /// Named in the sample and deployed by Bicep ahead of the push notifier that will bind them (issue: Notification
    /// Hubs). Allowed as extras only while no options class binds them; the test below fails once one does, so this
    /// list is emptied then and the names fall under the normal check.
    /// </summary>
    /// FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: read by the Functions host, not the relay (docs/design.md, "Two hosts").
    private static readonly string[] SampleHostSettings = ["AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"];

    // No FUNCTIONS_WORKER_RUNTIME/FUNCTIONS_EXTENSION_VERSION: Flex Consumption takes the runtime from functionAppConfig.
    private static readonly string[] AzureHostSettings =
    [
        "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "AZURE_CLIENT_ID",
    ];

    /// <summary><c>Section__Property</c> for each public settable property of each *Options class with a SectionName.</summary>
    public static SortedSet<string> CodeSettings()
    {
        var names = new SortedSet<string>(BoundOutsideOptions, StringComparer.Ordinal);
        var optionsTypes = typeof(RelayOptions).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(RelayOptions).Namespace && t.Name.EndsWith("Options", StringComparison.Ordinal));
        foreach (var type in optionsTypes)
        {
            var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
            Assert.True(section is not null, $"{type.Name} has no public const SectionName: the parity check cannot name its settings.");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                names.Add($"{section}__{property.Name}");
            }
        }

        return names;
    }

    [Fact]
    public void The_code_binds_the_options_this_check_knows_about()
    {
        // Guards the reflection itself: were it to find nothing, every comparison below would pass vacuously.
        var code = CodeSettings();

        Assert.Contains("Relay__ClaimHashKey", code);
        Assert.Contains("Storage__TableEndpoint", code);
        Assert.Contains("NotificationHubs__HubName", code);
        Assert.DoesNotContain("Relay__MaxRequestBodyBytes", code); // computed, not configurable
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

        AssertSameNames(CodeSettings().Except(LocalOnly).Union(AzureHostSettings), bicep, "infra/app/relay-settings.bicep");
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
