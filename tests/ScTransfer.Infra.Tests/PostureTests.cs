using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>The compiled template keeps the security posture docs/deploy.md promises.</summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class PostureTests
{
    private static readonly string[] SecureParameters = ["claimHashKey", "tokenEncryptionKey", "apnsToken", "fcmPrivateKeyBase64"];

    /// <summary>ARM expressions as written: the default encoder would turn every ' into \u0027.</summary>
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Storage_accepts_only_Entra_ID_over_TLS_1_2_and_nothing_public()
    {
        var account = ArmTemplate.One("Microsoft.Storage/storageAccounts").Properties;

        Assert.False((bool)account["allowSharedKeyAccess"]!);
        Assert.False((bool)account["allowBlobPublicAccess"]!);
        Assert.Equal("TLS1_2", (string)account["minimumTlsVersion"]!);
        Assert.True((bool)account["supportsHttpsTrafficOnly"]!);
        Assert.True((bool)account["defaultToOAuthAuthentication"]!);
    }

    [Fact]
    public void Storage_holds_the_relay_tables_and_the_deployment_container()
    {
        var tables = ArmTemplate.One("Microsoft.Storage/storageAccounts/tableServices/tables");
        Assert.Equal("[length(parameters('tables'))]", (string)tables.Body["copy"]!["count"]!);
        Assert.Contains("parameters('tables')[copyIndex()]", (string)tables.Body["name"]!, StringComparison.Ordinal);
        var names = ArmTemplate.ModuleParameter("storage", "tables")!.AsArray().Select(n => (string)n!).ToArray();
        var defaults = new StorageOptions();
        Assert.Equal([defaults.MailboxTable], names); // one sharded table: no expiry index any more

        var containers = ArmTemplate.ModuleParameter("storage", "containers")!.AsArray().Select(n => (string)n!).ToArray();
        var container = Assert.Single(containers);
        Assert.Contains("variables('deploymentContainerName')", ModuleValue("relay", "deploymentContainerUrl"), StringComparison.Ordinal);
        Assert.StartsWith("app-package", container, StringComparison.Ordinal);
    }

    [Fact]
    public void Function_app_is_dotnet_10_isolated_on_flex_consumption_https_only()
    {
        var plan = ArmTemplate.One("Microsoft.Web/serverfarms").Body;
        Assert.Equal("FC1", (string)plan["sku"]!["name"]!);
        Assert.Equal("FlexConsumption", (string)plan["sku"]!["tier"]!);

        var site = ArmTemplate.One("Microsoft.Web/sites");
        var properties = site.Properties;
        Assert.Equal("functionapp,linux", (string)site.Body["kind"]!);
        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal("1.2", (string)properties["siteConfig"]!["minTlsVersion"]!);
        Assert.Equal("Disabled", (string)properties["siteConfig"]!["ftpsState"]!);

        var config = properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string)config["runtime"]!["name"]!);
        Assert.Equal("10.0", (string)config["runtime"]!["version"]!);
        Assert.Equal("blobContainer", (string)config["deployment"]!["storage"]!["type"]!);
        Assert.Equal("UserAssignedIdentity", (string)config["deployment"]!["storage"]!["authentication"]!["type"]!);
    }

    [Fact]
    public void Function_app_runs_as_the_user_assigned_identity_and_resolves_Key_Vault_references_with_it()
    {
        var site = ArmTemplate.One("Microsoft.Web/sites");

        Assert.Equal("UserAssigned", (string)site.Body["identity"]!["type"]!);
        Assert.Equal("[parameters('identityId')]", (string)site.Properties["keyVaultReferenceIdentity"]!);
        Assert.Equal("[parameters('identityId')]", (string)site.Properties["functionAppConfig"]!["deployment"]!["storage"]!["authentication"]!["userAssignedIdentityResourceId"]!);
        Assert.Contains("'identity'", ModuleValue("relay", "identityId"), StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_auth_publishing_is_off()
    {
        var policies = ArmTemplate.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.Equal(["ftp", "scm"], policies.Select(p => ((string)p.Body["name"]!).Split('\'')[^2]).Order());
        Assert.All(policies, p => Assert.False((bool)p.Properties["allow"]!));
    }

    [Theory]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts")] // Storage Table Data Contributor
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts")] // Storage Blob Data Owner
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults")] // Key Vault Secrets User
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components")] // Monitoring Metrics Publisher
    public void The_app_identity_holds_each_role_it_needs_on_the_right_resource(string roleDefinitionId, string scopeType)
    {
        var assignment = Assert.Single(ArmTemplate.OfType("Microsoft.Authorization/roleAssignments"),
            a => ((string)a.Properties["roleDefinitionId"]!).Contains(roleDefinitionId, StringComparison.Ordinal));

        Assert.StartsWith($"[resourceId('{scopeType}'", (string)assignment.Body["scope"]!, StringComparison.Ordinal);
        Assert.Equal("[parameters('principalId')]", (string)assignment.Properties["principalId"]!);
        Assert.Equal("ServicePrincipal", (string)assignment.Properties["principalType"]!);
        Assert.Equal("relayAccess", assignment.Module);
        Assert.Contains("'identity'", ModuleValue("relayAccess", "principalId"), StringComparison.Ordinal);
        Assert.Contains("outputs.principalId", ModuleValue("relayAccess", "principalId"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_identity_gets_no_other_role()
    {
        // The deploying user's optional read roles (operatorAccess) are another principal's.
        Assert.Equal(4, ArmTemplate.OfType("Microsoft.Authorization/roleAssignments").Count(r => r.Module != "operatorAccess"));
    }

    [Fact]
    public void Host_storage_uses_the_identity_not_a_connection_string()
    {
        var settings = AppSettings();

        Assert.DoesNotContain("AzureWebJobsStorage", settings.Select(s => s.Key));
        Assert.Equal("managedidentity", (string)settings["AzureWebJobsStorage__credential"]!);
        Assert.Equal("[parameters('storageAccountName')]", (string)settings["AzureWebJobsStorage__accountName"]!);
        Assert.Contains("'storage'", ModuleValue("relaySettings", "storageAccountName"), StringComparison.Ordinal);
        Assert.Equal("[parameters('identityClientId')]", (string)settings["AzureWebJobsStorage__clientId"]!);
        Assert.Equal("[parameters('identityClientId')]", (string)settings["AZURE_CLIENT_ID"]!);
    }

    [Fact]
    public void Relay_reaches_tables_by_endpoint_with_the_identity()
    {
        var settings = AppSettings();

        Assert.DoesNotContain("Storage__ConnectionString", settings.Select(s => s.Key));
        Assert.Contains("primaryEndpoints.table", (string)settings["Storage__TableEndpoint"]!, StringComparison.Ordinal);
        Assert.Equal("[parameters('publicBaseUrl')]", (string)settings["Relay__PublicBaseUrl"]!);
        Assert.StartsWith("[format('https://{0}', if(not(empty(parameters('customDomain')))", ModuleValue("relaySettings", "publicBaseUrl"), StringComparison.Ordinal);
    }

    [Fact]
    public void Telemetry_is_ingested_with_Entra_ID_only()
    {
        var component = ArmTemplate.One("Microsoft.Insights/components").Properties;
        var settings = AppSettings();

        Assert.True((bool)component["DisableLocalAuth"]!);
        Assert.Contains("WorkspaceResourceId", component.Select(p => p.Key));
        Assert.Contains("ConnectionString", (string)settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]!, StringComparison.Ordinal);
        Assert.Contains("Authorization=AAD", (string)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Relay__ClaimHashKey", "relay-claim-hash-key", "[parameters('claimHashKey')]")]
    [InlineData("Relay__TokenEncryptionKey", "relay-token-encryption-key", "[parameters('tokenEncryptionKey')]")]
    [InlineData("NotificationHubs__ConnectionString", "notification-hubs-connection-string", "[listKeys(")]
    public void Secrets_reach_the_app_only_as_Key_Vault_references(string setting, string secretName, string secretSource)
    {
        var vault = ArmTemplate.One("Microsoft.KeyVault/vaults").Properties;
        Assert.True((bool)vault["enableRbacAuthorization"]!);

        var secret = Assert.Single(ArmTemplate.OfType("Microsoft.KeyVault/vaults/secrets"), s => SecretName(s) == secretName);
        Assert.StartsWith(secretSource, (string)secret.Properties["value"]!, StringComparison.Ordinal);

        var reference = (string)AppSettings()[setting]!;
        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri=", reference, StringComparison.Ordinal);
        // The keys are referenced without a version (the vault's current one, kept when the parameter is empty).
        Assert.True(reference.Contains("secretUri", StringComparison.Ordinal)
            || reference.Contains(".vaultUri", StringComparison.Ordinal) && reference.Contains("secrets/", StringComparison.Ordinal), reference);
    }

    /// <summary>The secret's own name: a literal in "vault/name", or the module variable it names.</summary>
    private static string SecretName(ArmResource secret)
    {
        var name = (string)secret.Body["name"]!;
        var variable = System.Text.RegularExpressions.Regex.Match(name, @"variables\('([^']+)'\)");
        return variable.Success ? (string)secret.Template["variables"]![variable.Groups[1].Value]! : name.Split('\'')[^2];
    }

    [Fact]
    public void Secret_inputs_are_secure_parameters_everywhere()
    {
        foreach (var (module, template) in ArmTemplate.AllTemplates(Bicep.MainTemplate))
        {
            foreach (var (name, parameter) in template["parameters"]?.AsObject() ?? [])
            {
                var looksSecret = SecureParameters.Contains(name)
                    || name.Contains("Key", StringComparison.Ordinal) && !name.EndsWith("Id", StringComparison.Ordinal) && !name.Contains("PublicKey", StringComparison.Ordinal)
                    || name.Contains("Token", StringComparison.OrdinalIgnoreCase) || name.Contains("Password", StringComparison.OrdinalIgnoreCase);
                if (looksSecret)
                {
                    Assert.True(string.Equals((string)parameter!["type"]!, "securestring", StringComparison.OrdinalIgnoreCase),
                        $"{module}: parameter {name} looks secret but is {(string)parameter!["type"]!}");
                }
            }
        }
    }

    [Fact]
    public void No_output_carries_a_secret()
    {
        foreach (var (module, template) in ArmTemplate.AllTemplates(Bicep.MainTemplate))
        {
            foreach (var (name, output) in template["outputs"]?.AsObject() ?? [])
            {
                var type = (string)output!["type"]!;
                var value = output["value"]!.ToJsonString(Unescaped);
                Assert.False(type.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"{module} output {name} is {type}");
                Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("list(", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("ConnectionString", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("secretUri", value, StringComparison.OrdinalIgnoreCase);
                foreach (var secure in SecureParameters)
                {
                    Assert.DoesNotContain($"parameters('{secure}')", value, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void No_connection_string_or_secret_value_is_a_parameter()
    {
        foreach (var (module, template) in ArmTemplate.AllTemplates(Bicep.MainTemplate))
        {
            Assert.DoesNotContain(template["parameters"]?.AsObject().Select(p => p.Key) ?? [],
                name => name.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase));
            _ = module;
        }

        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Bicep.MainFile)!, "main.parameters.json")))!;
        var parameters = file["parameters"]!.AsObject();
        Assert.Contains("claimHashKey", parameters.Select(p => p.Key)); // as an environment reference, checked below
        Assert.DoesNotContain("ConnectionString", File.ReadAllText(Path.Combine(Path.GetDirectoryName(Bicep.MainFile)!, "main.parameters.json")), StringComparison.OrdinalIgnoreCase);
        foreach (var secure in SecureParameters.Where(parameters.ContainsKey))
        {
            // Only an azd environment reference, never a value.
            Assert.Matches(@"^\$\{[A-Z0-9_]+=?\}$", (string)parameters[secure]!["value"]!);
        }
    }

    [Fact]
    public void Pushes_are_sent_with_a_Send_only_rule()
    {
        // The credentials themselves: DeploymentTests (typed fcmV1Credential, base64 PEM).
        var rule = ArmTemplate.One("Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules");
        Assert.Equal(["Send"], rule.Properties["rights"]!.AsArray().Select(r => (string)r!));
    }

    /// <summary>The app settings object Bicep deploys (literal keys, ARM expression values).</summary>
    internal static JsonObject AppSettings()
    {
        var config = Assert.Single(ArmTemplate.OfType("Microsoft.Web/sites/config"),
            c => ((string)c.Body["name"]!).Contains("'appsettings'", StringComparison.Ordinal));
        return config.Properties;
    }

    private static string ModuleValue(string module, string parameter) =>
        (string)ArmTemplate.ModuleDeployment(module)["properties"]!["parameters"]![parameter]!["value"]!;
}
