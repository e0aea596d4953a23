using System.Text;
using System.Text.Json.Nodes;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// Push credentials on the compiled template (docs/deploy.md, "Push credentials"): a deployment names only the
/// credentials it is given, never null, so credentials already in the hub stay; and NotificationHubs__Platforms names the
/// platforms the hub can reach after the deployment, so the relay never promises a push that cannot go.
/// </summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class PushCredentialTests
{
    private const string ApnsToken = "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg";
    private static readonly string FcmKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"));

    public static TheoryData<string, string, string[]> Deployments => new()
    {
        { "", "", [] },                                      // a re-provision from a fresh environment: nothing given
        { ApnsToken, "", ["apnsCredential"] },
        { "", FcmKey, ["fcmV1Credential"] },
        { ApnsToken, FcmKey, ["apnsCredential", "fcmV1Credential"] },
    };

    [Theory]
    [MemberData(nameof(Deployments))]
    public void The_hub_is_sent_exactly_the_credentials_given_and_no_other_credential_property(string apnsToken, string fcmKey, string[] expected)
    {
        var properties = HubProperties(new() { ["apnsToken"] = apnsToken, ["fcmPrivateKeyBase64"] = fcmKey });

        // No key at all for a credential not given: not even a null, which would ask the hub to remove what it holds.
        Assert.Equal(expected, properties.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(properties, p => Assert.NotNull(p.Value));
        if (expected.Contains("apnsCredential"))
        {
            Assert.Equal(ApnsToken, (string)properties["apnsCredential"]!["properties"]!["token"]!);
            Assert.Equal("https://api.push.apple.com:443/3/device", (string)properties["apnsCredential"]!["properties"]!["endpoint"]!);
        }

        if (expected.Contains("fcmV1Credential"))
        {
            Assert.Equal(Encoding.UTF8.GetString(Convert.FromBase64String(FcmKey)), (string)properties["fcmV1Credential"]!["properties"]!["privateKey"]!);
        }
    }

    [Theory]
    [InlineData("", "", "", "none")]            // the first deployment, without credentials: the relay promises no push
    [InlineData(ApnsToken, "", "", "apns")]
    [InlineData("", "fcm", "", "fcm")]
    [InlineData("", "", "apns,fcm", "apns,fcm")] // a later deployment without the secrets: the hub keeps both, so does the setting
    [InlineData("", "fcm", "apns", "apns,fcm")]  // FCM added to a hub that already reaches APNs
    [InlineData(ApnsToken, "", "fcm", "apns,fcm")]
    public void NotificationHubs__Platforms_names_the_platforms_given_and_those_already_in_the_hub(string apnsToken, string fcm, string inPlace, string expected)
    {
        var given = new Dictionary<string, JsonNode?>
        {
            ["apnsToken"] = apnsToken,
            ["fcmPrivateKeyBase64"] = fcm.Length == 0 ? "" : FcmKey,
            ["pushPlatformsInPlace"] = inPlace,
        };

        Assert.Equal(expected, (string)DeploymentTests.DeployedAppSettings(given)["NotificationHubs__Platforms"]!);
        // The output azd keeps for the next deployment says the same (without "none").
        var output = ArmExpression.Evaluate(Bicep.MainTemplate["outputs"]!["PUSH_PLATFORMS_IN_PLACE"]!["value"], Bicep.MainTemplate, ArmTemplate.MainParameters(given));
        Assert.Equal(expected == "none" ? "" : expected, (string)output!);
    }

    [Fact]
    public void Every_platform_list_Bicep_can_deploy_is_one_the_relay_reads_as_meant()
    {
        var settings = ArmTemplate.OfType("Microsoft.Resources/deployments").Single(d => (string)d.Body["name"]! == "relaySettings");
        var allowed = settings.Body["properties"]!["template"]!["parameters"]!["notificationHubsPlatforms"]!["allowedValues"]!.AsArray().Select(v => (string)v!);
        var meant = new Dictionary<string, string[]>
        {
            ["none"] = [],
            ["apns"] = [NotificationToken.Apns],
            ["fcm"] = [NotificationToken.Fcm],
            ["apns,fcm"] = [NotificationToken.Apns, NotificationToken.Fcm],
        };

        Assert.Equal(meant.Keys.Order(StringComparer.Ordinal), allowed.Order(StringComparer.Ordinal));
        foreach (var (value, tokenTypes) in meant)
        {
            Assert.True(new NotificationHubsOptions { Platforms = value }.TryGetReachableTokenTypes(out var reachable, out var error), error);
            Assert.Equal(tokenTypes.Order(StringComparer.Ordinal), reachable.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Azd_maps_the_platforms_in_place_and_the_hooks_fill_and_forget()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        Assert.Equal("${PUSH_PLATFORMS_IN_PLACE=}", (string)file["pushPlatformsInPlace"]!["value"]!);
        Assert.Equal(["", "apns", "fcm", "apns,fcm"], Bicep.MainTemplate["parameters"]!["pushPlatformsInPlace"]!["allowedValues"]!.AsArray().Select(v => (string)v!));
        Assert.Equal("securestring", (string)Bicep.MainTemplate["parameters"]!["apnsToken"]!["type"]!, ignoreCase: true);
        Assert.Equal("securestring", (string)Bicep.MainTemplate["parameters"]!["fcmPrivateKeyBase64"]!["type"]!, ignoreCase: true);
    }

    /// <summary>The notification hub's properties as a deployment with these main parameters would send them.</summary>
    private static JsonObject HubProperties(Dictionary<string, JsonNode?> given)
    {
        var hub = ArmTemplate.One("Microsoft.NotificationHubs/namespaces/notificationHubs");
        var parameters = ArmExpression.ModuleParameters(ArmTemplate.ModuleDeployment("notifications"), Bicep.MainTemplate, ArmTemplate.MainParameters(given));
        return ArmExpression.Evaluate(hub.Body["properties"], hub.Template, parameters)!.AsObject();
    }
}
