using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>What the first `azd up` needs (docs/deploy.md), checked on the compiled template's values.</summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class DeploymentTests
{
    private static JsonObject Main => Bicep.MainTemplate;

    /// <summary>The relaySettings module's app settings as the deployment would set them, for the given main parameters.</summary>
    internal static JsonObject DeployedAppSettings(Dictionary<string, JsonNode?>? given = null)
    {
        var mainParameters = ArmTemplate.MainParameters(given);
        var deployment = ArmTemplate.ModuleDeployment("relaySettings");
        var parameters = ArmExpression.ModuleParameters(deployment, Main, mainParameters);
        var config = Assert.Single(ArmTemplate.OfType("Microsoft.Web/sites/config"), c => c.Module == "relaySettings");
        var values = new JsonObject();
        foreach (var (name, value) in config.Properties)
        {
            try
            {
                values[name] = ArmExpression.Evaluate(value, config.Template, parameters);
            }
            catch (Exception e) when (e is NotSupportedException or KeyNotFoundException)
            {
                values[name] = "(only Azure can evaluate)";
            }
        }

        return values;
    }

    [Fact]
    public void The_FCM_v1_credential_is_a_typed_property_of_an_API_version_that_has_it()
    {
        var hub = ArmTemplate.One("Microsoft.NotificationHubs/namespaces/notificationHubs");

        Assert.Equal("2023-10-01-preview", (string)hub.Body["apiVersion"]!);
        // Typed: each credential is an object with its properties by name (Bicep checks them against the API version's
        // type), not one union()/createObject() string that no type check sees into.
        var variables = hub.Template["variables"]!;
        Assert.Equal("[base64ToString(parameters('fcmPrivateKeyBase64'))]", (string)variables["fcmV1Credential"]!["properties"]!["privateKey"]!);
        Assert.Equal("[parameters('apnsToken')]", (string)variables["apnsCredential"]!["properties"]!["token"]!);
        Assert.DoesNotContain("union(", hub.Template.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_PEM_private_key_with_newlines_round_trips_through_azd_substitution_into_valid_parameters()
    {
        const string pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\"quoted\\\n-----END PRIVATE KEY-----\n";
        var file = File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json"));
        Assert.Contains("\"${FCM_PRIVATE_KEY_BASE64=}\"", file, StringComparison.Ordinal);

        // azd pastes the variable's text into the file as it is; base64 has no character JSON would need escaped.
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        var substituted = JsonNode.Parse(file.Replace("${FCM_PRIVATE_KEY_BASE64=}", encoded, StringComparison.Ordinal))!;
        var value = (string)substituted["parameters"]!["fcmPrivateKeyBase64"]!["value"]!;
        Assert.Equal(pem, Encoding.UTF8.GetString(Convert.FromBase64String(value)));

        // Guards the guard: the PEM pasted as it is (the old documented step) breaks the file.
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(file.Replace("${FCM_PRIVATE_KEY_BASE64=}", pem, StringComparison.Ordinal)));
        Assert.DoesNotContain("fcmPrivateKey\"", file, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_regions_with_Flex_Consumption_are_allowed()
    {
        var allowed = Main["parameters"]!["location"]!["allowedValues"]!.AsArray().Select(v => (string)v!).ToList();

        Assert.Contains("westeurope", allowed);
        Assert.Contains("eastus", allowed);
        Assert.Contains("swedencentral", allowed);
        Assert.DoesNotContain("westus", allowed); // no Flex Consumption there
        Assert.DoesNotContain("eastus2euap", allowed); // canary: not for ordinary subscriptions
        Assert.All(allowed, r => Assert.Matches("^[a-z0-9]+$", r));
    }

    [Fact]
    public void The_hosts_body_limit_sits_just_above_the_relays_own()
    {
        var relayLimit = new RelayOptions().MaxRequestBodyBytes;
        var settings = DeployedAppSettings();

        var hostLimit = long.Parse((string)settings["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(hostLimit, relayLimit + 1, relayLimit + 4096);
        Assert.Equal(new RelayOptions().MaxPayloadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)settings["Relay__MaxPayloadBytes"]!);
    }

    [Theory]
    [InlineData(false, "1")]
    [InlineData(true, "2")]
    public void Rate_limits_are_on_and_trust_one_forwarded_hop_more_behind_the_front_door(bool frontDoor, string hops)
    {
        var settings = DeployedAppSettings(new() { ["frontDoorEnabled"] = frontDoor });

        Assert.Equal("true", (string)settings["RateLimiting__Enabled"]!);
        Assert.Equal(hops, (string)settings["RateLimiting__TrustedForwardedHops"]!);
    }

    [Fact]
    public void Purge_runs_every_minute_and_Privacy_Pass_is_off_by_default()
    {
        var settings = DeployedAppSettings();

        Assert.Equal("0 */1 * * * *", (string)settings["PurgeSchedule"]!);
        Assert.Equal("off", (string)settings["PrivacyPass__CreateMailbox"]!);
        Assert.Equal("off", (string)settings["PrivacyPass__ReadSecureContent"]!);
        Assert.Equal("", (string)settings["PrivacyPass__IssuerPublicKeys"]!);
        var modes = Main["parameters"]!["privacyPassCreateMailbox"]!["allowedValues"]!.AsArray().Select(v => (string)v!);
        Assert.Equal(["off", "optional", "required"], modes);
    }

    [Fact]
    public void Storage_purge_push_rate_limit_and_Privacy_Pass_settings_deploy_the_code_defaults()
    {
        // Bind what Bicep deploys the way the relay does (Section__Key), and compare with the options' own defaults:
        // the Bicep parameter defaults must not drift from the code's.
        var settings = DeployedAppSettings();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings
            .Where(s => s.Key.StartsWith("Storage__", StringComparison.Ordinal) || s.Key.StartsWith("Purge__", StringComparison.Ordinal)
                || s.Key.StartsWith("Push__", StringComparison.Ordinal) || s.Key.StartsWith("RateLimiting__", StringComparison.Ordinal)
                || s.Key.StartsWith("PrivacyPass__", StringComparison.Ordinal))
            .Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value!.ToString()))).Build();

        Assert.Equal(new StorageOptions().Shards, configuration.GetSection("Storage").Get<StorageOptions>()!.Shards);
        Assert.Equivalent(new PurgeOptions(), configuration.GetSection("Purge").Get<PurgeOptions>(), strict: true);
        Assert.Equivalent(new PushOptions(), configuration.GetSection("Push").Get<PushOptions>(), strict: true);
        Assert.Equivalent(new RateLimitingOptions { TrustedForwardedHops = 1 }, configuration.GetSection("RateLimiting").Get<RateLimitingOptions>(), strict: true);
        var privacyPass = configuration.GetSection("PrivacyPass").Get<PrivacyPassOptions>()!;
        Assert.Equal(new PrivacyPassOptions().ChallengeWindowSeconds, privacyPass.ChallengeWindowSeconds);
        Assert.Equal(new PrivacyPassOptions().NonceTablePrefix, privacyPass.NonceTablePrefix);
        Assert.DoesNotContain(settings, s => s.Value!.ToString() == "(only Azure can evaluate)" && !s.Key.StartsWith("Relay__", StringComparison.Ordinal)
            && (s.Key.StartsWith("Purge__", StringComparison.Ordinal) || s.Key.StartsWith("Push__", StringComparison.Ordinal) || s.Key.StartsWith("RateLimiting__", StringComparison.Ordinal)));
    }

    [Fact]
    public void App_links_are_off_by_default_and_each_azd_environment_value_reaches_its_app_setting()
    {
        // The parameter file maps one azd environment name to each main parameter (docs/deploy.md, "App links").
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        var names = new Dictionary<string, (string Parameter, string Environment)>
        {
            ["AppLinks__AppleAppIds"] = ("appLinksAppleAppIds", "APP_LINKS_APPLE_APP_IDS"),
            ["AppLinks__AndroidPackageName"] = ("appLinksAndroidPackageName", "APP_LINKS_ANDROID_PACKAGE_NAME"),
            ["AppLinks__AndroidCertificateFingerprints"] = ("appLinksAndroidCertificateFingerprints", "APP_LINKS_ANDROID_CERTIFICATE_FINGERPRINTS"),
            ["AppLinks__AppName"] = ("appLinksAppName", "APP_LINKS_APP_NAME"),
            ["AppLinks__AppStoreUrl"] = ("appLinksAppStoreUrl", "APP_LINKS_APP_STORE_URL"),
            ["AppLinks__PlayStoreUrl"] = ("appLinksPlayStoreUrl", "APP_LINKS_PLAY_STORE_URL"),
        };
        var off = DeployedAppSettings();
        var given = DeployedAppSettings(names.Values.ToDictionary(n => n.Parameter, n => (JsonNode?)("value of " + n.Parameter)));

        foreach (var (setting, (parameter, environment)) in names)
        {
            Assert.Equal($"${{{environment}=}}", (string)file[parameter]!["value"]!);
            Assert.Equal("", (string)off[setting]!);
            Assert.Equal("value of " + parameter, (string)given[setting]!);
        }

        // Empty is the code's default: no app, no association file.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(off
            .Where(s => s.Key.StartsWith("AppLinks__", StringComparison.Ordinal))
            .Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value!.ToString()))).Build();
        Assert.Equivalent(new AppLinksOptions(), configuration.GetSection(AppLinksOptions.SectionName).Get<AppLinksOptions>(), strict: true);
    }

    [Fact]
    public void Share_links_use_the_custom_domain_when_one_is_given()
    {
        var settings = DeployedAppSettings(new() { ["customDomain"] = "relay.example.com" });
        Assert.Equal("https://relay.example.com", (string)settings["Relay__PublicBaseUrl"]!);

        // Without one: the front door endpoint or the app's own host, both known only once deployed.
        Assert.Equal("(only Azure can evaluate)", (string)DeployedAppSettings()["Relay__PublicBaseUrl"]!);
        var publicBaseUrl = ModuleValue("relaySettings", "publicBaseUrl");
        Assert.Contains("outputs.hostName.value", publicBaseUrl, StringComparison.Ordinal);
        Assert.Contains("outputs.defaultHostName.value", publicBaseUrl, StringComparison.Ordinal);
        Assert.Equal(publicBaseUrl, (string)Main["outputs"]!["RELAY_URL"]!["value"]!);
    }

    [Fact]
    public void A_front_door_custom_domain_is_the_templates_own_on_the_route_and_behind_the_WAF()
    {
        // Bound by hand it would be dropped by the next deployment, which writes the route and the WAF's associations whole.
        var domain = Assert.Single(ArmTemplate.OfType("Microsoft.Cdn/profiles/customDomains"));
        var route = ArmTemplate.One("Microsoft.Cdn/profiles/afdEndpoints/routes");
        var policy = ArmTemplate.One("Microsoft.Cdn/profiles/securityPolicies");
        var on = new Dictionary<string, JsonNode?> { ["customDomain"] = "relay.example.com" };
        var off = new Dictionary<string, JsonNode?> { ["customDomain"] = "" };

        Assert.True((bool)ArmExpression.Evaluate(domain.Body["condition"], domain.Template, on)!);
        Assert.False((bool)ArmExpression.Evaluate(domain.Body["condition"], domain.Template, off)!);
        Assert.Equal("ManagedCertificate", (string)domain.Properties["tlsSettings"]!["certificateType"]!);
        Assert.Equal("TLS12", (string)domain.Properties["tlsSettings"]!["minimumTlsVersion"]!);
        Assert.Equal("Enabled", (string)route.Properties["linkToDefaultDomain"]!); // links made on the endpoint's host stay valid
        Assert.Contains("Microsoft.Cdn/profiles/customDomains", (string)route.Properties["customDomains"]!, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Cdn/profiles/customDomains", policy.Properties["parameters"]!["associations"]![0]!["domains"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('frontDoorCustomDomain')]", ModuleValue("frontDoor", "customDomain"));
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        Assert.Equal("${FRONT_DOOR_CUSTOM_DOMAIN=}", (string)file["frontDoorCustomDomain"]!["value"]!);
        Assert.NotNull(Main["outputs"]!["FRONT_DOOR_DOMAIN_VALIDATION"]);
    }

    [Fact]
    public void The_token_encryption_key_is_a_Key_Vault_secret_written_only_when_given()
    {
        foreach (var (secret, parameter) in new[] { ("relay-claim-hash-key", "claimHashKey"), ("relay-token-encryption-key", "tokenEncryptionKey") })
        {
            var resource = Assert.Single(ArmTemplate.OfType("Microsoft.KeyVault/vaults/secrets"),
                s => ((string)s.Body["name"]!).Contains(secret, StringComparison.Ordinal) || (string)s.Body["name"]! == $"[format('{{0}}/{{1}}', parameters('keyVaultName'), variables('{parameter}SecretName'))]");
            Assert.Equal($"[not(empty(parameters('{parameter}')))]", (string)resource.Body["condition"]!);
            Assert.Equal("securestring", (string)Main["parameters"]![parameter]!["type"]!, ignoreCase: true);
            Assert.Equal("", (string)Main["parameters"]![parameter]!["defaultValue"]!);
            Assert.Null(Main["parameters"]![parameter]!["metadata"]?["azd"]); // no azd 'generate': the hook decides
        }
    }

    [Fact]
    public void The_front_door_is_off_by_default_and_the_app_then_takes_traffic_from_anywhere()
    {
        Assert.False((bool)Main["parameters"]!["frontDoorEnabled"]!["defaultValue"]!);
        Assert.Equal("[parameters('frontDoorEnabled')]", (string)ArmTemplate.ModuleDeployment("frontDoor")["condition"]!);

        var site = ArmTemplate.One("Microsoft.Web/sites");
        var parameters = new Dictionary<string, JsonNode?> { ["frontDoorId"] = "" };
        Assert.Empty(ArmExpression.Evaluate(site.Properties["siteConfig"]!["ipSecurityRestrictions"], site.Template, parameters)!.AsArray());
        Assert.Equal("Allow", (string)ArmExpression.Evaluate(site.Properties["siteConfig"]!["ipSecurityRestrictionsDefaultAction"], site.Template, parameters)!);
    }

    [Fact]
    public void With_the_front_door_the_app_admits_only_its_back_end_carrying_its_id()
    {
        var site = ArmTemplate.One("Microsoft.Web/sites");
        var parameters = new Dictionary<string, JsonNode?> { ["frontDoorId"] = "8a6c1b3e-0000-4000-8000-000000000000" };

        var rules = ArmExpression.Evaluate(site.Properties["siteConfig"]!["ipSecurityRestrictions"], site.Template, parameters)!.AsArray();
        var rule = Assert.Single(rules)!;
        Assert.Equal("Allow", (string)rule["action"]!);
        Assert.Equal("ServiceTag", (string)rule["tag"]!);
        Assert.Equal("AzureFrontDoor.Backend", (string)rule["ipAddress"]!);
        Assert.Equal(["8a6c1b3e-0000-4000-8000-000000000000"], rule["headers"]!["x-azure-fdid"]!.AsArray().Select(h => (string)h!));
        Assert.Equal("Deny", (string)ArmExpression.Evaluate(site.Properties["siteConfig"]!["ipSecurityRestrictionsDefaultAction"], site.Template, parameters)!);

        // The id comes from the profile the module creates.
        Assert.Contains("outputs.frontDoorId.value", ArmTemplate.ModuleDeployment("relay")["properties"]!["parameters"]!["frontDoorId"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(".frontDoorId", ArmTemplate.ModuleDeployment("frontDoor")["properties"]!["template"]!["outputs"]!["frontDoorId"]!["value"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_front_door_routes_everything_to_the_app_through_a_WAF_with_a_per_client_rate_rule_and_a_size_rule()
    {
        var origin = ArmTemplate.One("Microsoft.Cdn/profiles/originGroups/origins");
        Assert.Equal("[parameters('originHostName')]", (string)origin.Properties["hostName"]!);
        Assert.Equal("[format('{0}.azurewebsites.net', variables('functionAppName'))]", ModuleValue("frontDoor", "originHostName"));
        Assert.Equal("[variables('functionAppName')]", ModuleValue("relay", "name"));

        var route = ArmTemplate.One("Microsoft.Cdn/profiles/afdEndpoints/routes");
        Assert.Equal(["/*"], route.Properties["patternsToMatch"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("HttpsOnly", (string)route.Properties["forwardingProtocol"]!);

        var waf = ArmTemplate.One("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies");
        Assert.Equal("Prevention", (string)waf.Properties["policySettings"]!["mode"]!);
        var rules = waf.Properties["customRules"]!["rules"]!.AsArray();
        var rate = Assert.Single(rules, r => (string)r!["ruleType"]! == "RateLimitRule")!;
        Assert.Equal("SocketAddr", (string)rate["groupBy"]![0]!["variableName"]!);
        Assert.Equal("Block", (string)rate["action"]!);
        var size = Assert.Single(rules, r => (string)r!["name"]! == "BodyTooLarge")!;
        Assert.Equal("Content-Length", (string)size["matchConditions"]![0]!["selector"]!);
        Assert.Equal("GreaterThan", (string)size["matchConditions"]![0]!["operator"]!);

        // The size the WAF lets through is the relay's own request limit.
        var frontDoorParameters = ArmExpression.ModuleParameters(ArmTemplate.ModuleDeployment("frontDoor"), Main, ArmTemplate.MainParameters());
        Assert.Equal(new RelayOptions().MaxRequestBodyBytes, (long)frontDoorParameters["maxRequestBodyBytes"]!);

        // Managed rule sets only on Premium (Standard refuses them).
        foreach (var (sku, expected) in new[] { ("Standard_AzureFrontDoor", 0), ("Premium_AzureFrontDoor", 2) })
        {
            var sets = ArmExpression.Evaluate(waf.Properties["managedRules"]!["managedRuleSets"], waf.Template,
                new Dictionary<string, JsonNode?> { ["sku"] = sku, ["managedRules"] = true })!.AsArray();
            Assert.Equal(expected, sets.Count);
        }

        var policy = ArmTemplate.One("Microsoft.Cdn/profiles/securityPolicies");
        Assert.Equal("WebApplicationFirewall", (string)policy.Properties["parameters"]!["type"]!);
    }

    [Theory]
    [InlineData("Microsoft.KeyVault/vaults", "audit")]
    [InlineData("Microsoft.Storage/storageAccounts/tableServices", "allLogs")]
    [InlineData("Microsoft.NotificationHubs/namespaces", "allLogs")]
    [InlineData("Microsoft.Web/sites", "allLogs")]
    public void Resource_logs_go_to_Log_Analytics(string scopeType, string categoryGroup)
    {
        var setting = Assert.Single(ArmTemplate.OfType("Microsoft.Insights/diagnosticSettings"),
            d => ((string)d.Body["scope"]!).Contains($"'{scopeType}'", StringComparison.Ordinal));

        Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", (string)setting.Properties["workspaceId"]!);
        Assert.Equal(categoryGroup, (string)setting.Properties["logs"]![0]!["categoryGroup"]!);
        Assert.True((bool)setting.Properties["logs"]![0]!["enabled"]!);
        Assert.Contains("logAnalyticsWorkspaceId", ModuleValue("diagnostics", "logAnalyticsWorkspaceId"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ops@example.com")]
    [InlineData("")]
    public void A_monthly_budget_on_the_resource_group_is_created_with_or_without_an_address(string alertEmail)
    {
        var budget = ArmTemplate.One("Microsoft.Consumption/budgets");
        var parameters = new Dictionary<string, JsonNode?> { ["budgetAmount"] = 50, ["alertEmail"] = alertEmail };

        Assert.Equal("alerts", budget.Module);
        Assert.Equal("Monthly", (string)budget.Properties["timeGrain"]!);
        Assert.Equal("[parameters('budgetAmount')]", (string)budget.Properties["amount"]!);
        Assert.True((bool)ArmExpression.Evaluate(budget.Body["condition"], budget.Template, parameters)!);
        Assert.False((bool)ArmExpression.Evaluate(budget.Body["condition"], budget.Template, new Dictionary<string, JsonNode?>(parameters) { ["budgetAmount"] = 0 })!);

        // With an address it is emailed at 80% spent and at a 100% forecast; without one, a budget that emails nobody.
        var notifications = ArmExpression.Evaluate(budget.Properties["notifications"], budget.Template, parameters)!.AsObject();
        if (alertEmail.Length == 0)
        {
            Assert.Empty(notifications);
        }
        else
        {
            Assert.Equal(["actual80", "forecast100"], notifications.Select(n => n.Key));
            Assert.All(notifications, n => Assert.Equal([alertEmail], n.Value!["contactEmails"]!.AsArray().Select(e => (string)e!)));
        }
    }

    [Fact]
    public void The_budget_keeps_its_start_date_on_later_deployments()
    {
        // Azure refuses to change a budget's start date ("Start date of budgets cannot be updated"): a later deployment
        // passes the budget's own (the hook reads it, azd keeps the output), and only a first one takes this month.
        var alerts = ArmTemplate.ModuleDeployment("alerts");
        var later = ArmExpression.ModuleParameters(alerts, Main, ArmTemplate.MainParameters(new() { ["budgetStartDate"] = "2025-03-01", ["deploymentMonthStart"] = "2026-11-01" }));
        var first = ArmExpression.ModuleParameters(alerts, Main, ArmTemplate.MainParameters(new() { ["budgetStartDate"] = "", ["deploymentMonthStart"] = "2026-11-01" }));

        Assert.Equal("2025-03-01", (string)later["budgetStartDate"]!);
        Assert.Equal("2026-11-01", (string)first["budgetStartDate"]!);
        Assert.StartsWith("[format('{0}-01', utcNow('yyyy-MM'))]", (string)Main["parameters"]!["deploymentMonthStart"]!["defaultValue"]!, StringComparison.Ordinal);
        Assert.Equal("[variables('budgetStart')]", (string)Main["outputs"]!["BUDGET_START_DATE"]!["value"]!);
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        Assert.Equal("${BUDGET_START_DATE=}", (string)file["budgetStartDate"]!["value"]!);
        Assert.Null(file["deploymentMonthStart"]);
    }

    [Fact]
    public void Scaling_is_set_from_main_and_azd_with_Flex_Consumptions_defaults()
    {
        var site = Assert.Single(ArmTemplate.OfType("Microsoft.Web/sites"), s => s.Module == "relay");
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        var knobs = new (string Parameter, string Environment, long Default, long Given, string Path)[]
        {
            ("maximumInstanceCount", "MAXIMUM_INSTANCE_COUNT", 100, 40, "maximumInstanceCount"),
            ("instanceMemoryMB", "INSTANCE_MEMORY_MB", 2048, 4096, "instanceMemoryMB"),
            ("httpPerInstanceConcurrency", "HTTP_PER_INSTANCE_CONCURRENCY", 16, 32, "triggers.http.perInstanceConcurrency"),
        };

        foreach (var given in new[] { false, true })
        {
            var main = ArmTemplate.MainParameters(given ? knobs.ToDictionary(k => k.Parameter, k => (JsonNode?)k.Given) : null);
            var parameters = ArmExpression.ModuleParameters(ArmTemplate.ModuleDeployment("relay"), Main, main);
            var scale = ArmExpression.Evaluate(site.Properties["functionAppConfig"]!["scaleAndConcurrency"], site.Template, parameters)!;
            foreach (var knob in knobs)
            {
                var value = knob.Path.Split('.').Aggregate(scale, (node, name) => node[name]!);
                Assert.Equal(given ? knob.Given : knob.Default, (long)value);
            }
        }

        foreach (var knob in knobs)
        {
            Assert.Equal($"${{{knob.Environment}={knob.Default}}}", (string)file[knob.Parameter]!["value"]!);
        }

        Assert.Equal([512, 2048, 4096], Main["parameters"]!["instanceMemoryMB"]!["allowedValues"]!.AsArray().Select(v => (long)v!));
        Assert.Equal(1000, (long)Main["parameters"]!["maximumInstanceCount"]!["maxValue"]!);
    }

    [Fact]
    public void The_deploying_user_may_read_tables_and_logs_only_when_a_principal_is_given()
    {
        Assert.Equal("[not(empty(parameters('principalId')))]", (string)ArmTemplate.ModuleDeployment("operatorAccess")["condition"]!);
        var roles = ArmTemplate.OfType("Microsoft.Authorization/roleAssignments").Where(r => r.Module == "operatorAccess").ToList();

        Assert.Equal(2, roles.Count);
        Assert.Contains(roles, r => ((string)r.Properties["roleDefinitionId"]!).Contains("76199698-9eea-4c19-bc75-cec21354c6b6", StringComparison.Ordinal)); // Storage Table Data Reader
        Assert.Contains(roles, r => ((string)r.Properties["roleDefinitionId"]!).Contains("73c42c96-874c-492b-b04d-ab87d138a893", StringComparison.Ordinal)); // Log Analytics Reader
        Assert.All(roles, r => Assert.Equal("[parameters('principalType')]", (string)r.Properties["principalType"]!));
        var file = File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json"));
        Assert.Contains("\"${AZURE_PRINCIPAL_ID=}\"", file, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, true)]
    public void Key_Vault_purge_protection_is_a_parameter(bool on, bool? expected)
    {
        var vault = ArmTemplate.One("Microsoft.KeyVault/vaults");
        var value = ArmExpression.Evaluate(vault.Properties["enablePurgeProtection"], vault.Template,
            new Dictionary<string, JsonNode?> { ["enablePurgeProtection"] = on });

        Assert.Equal(expected, value is null ? null : (bool)value);
        Assert.Equal("[parameters('keyVaultPurgeProtection')]", ModuleValue("keyVault", "enablePurgeProtection"));
    }

    [Fact]
    public void Azure_yaml_names_the_azd_version_and_the_key_hooks()
    {
        var yaml = File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"));

        Assert.Matches(@"requiredVersions:\s*\n(\s*#.*\n)*\s*azd: "">= 1\.\d+\.\d+""", yaml);
        Assert.Contains("run: bash infra/hooks/preprovision.sh", yaml, StringComparison.Ordinal);
        Assert.Contains("run: bash infra/hooks/postprovision.sh", yaml, StringComparison.Ordinal);
    }

    private static string ModuleValue(string module, string parameter) =>
        (string)ArmTemplate.ModuleDeployment(module)["properties"]!["parameters"]![parameter]!["value"]!;
}
