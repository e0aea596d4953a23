using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// Both deployment paths of docs/deploy.md, walked as far as a machine without Azure can: the template compiles with
/// exactly the parameters each path passes (the documented `az deployment sub create` commands, and
/// infra/main.parameters.json as azd and the key hooks fill it), and every Key Vault secret an app setting references
/// is either created by that deployment or read from the vault, so that a missing one stops the deployment rather than
/// the relay's start.
/// </summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed partial class DeploymentPathTests
{
    private static readonly string DeployDoc = File.ReadAllText(Path.Combine(Repository.Root, "docs", "deploy.md"));

    /// <summary>azd's own variables, which main.parameters.json may use without a default.</summary>
    private static readonly Dictionary<string, string> AzdProvides = new(StringComparer.Ordinal)
    {
        ["AZURE_ENV_NAME"] = "relay-test",
        ["AZURE_LOCATION"] = "westeurope",
    };

    [Fact]
    public void The_template_compiles_with_exactly_the_parameters_of_each_documented_az_command()
    {
        var commands = DocumentedDeployments();

        Assert.Equal(2, commands.Count); // the first deployment and the later ones
        foreach (var command in commands)
        {
            Assert.Equal("infra/main.bicep", command.TemplateFile);
            Assert.Contains(command.Location, Main["parameters"]!["location"]!["allowedValues"]!.AsArray().Select(v => (string)v!));
            AssertCompiles(command.Parameters, "docs/deploy.md: " + string.Join(' ', command.Parameters.Keys));
        }

        // The first deployment brings both keys; a later one leaves them out and keeps the vault's.
        Assert.Contains("claimHashKey", commands[0].Parameters.Keys);
        Assert.Contains("tokenEncryptionKey", commands[0].Parameters.Keys);
        Assert.DoesNotContain("claimHashKey", commands[1].Parameters.Keys);
        Assert.DoesNotContain("tokenEncryptionKey", commands[1].Parameters.Keys);
    }

    [Fact]
    public void Without_azd_the_first_deployment_creates_every_secret_and_later_ones_read_them_from_the_vault()
    {
        var deployments = DocumentedDeployments();
        var (first, later) = (deployments[0], deployments[1]);

        var created = SecretsOfAppSettings(first.Parameters);
        Assert.Equal(["notification-hubs-connection-string", "relay-claim-hash-key", "relay-token-encryption-key"], created.Select(s => s.Secret).Order(StringComparer.Ordinal));
        Assert.All(created, s => Assert.True(s.CreatedHere, $"{s.Setting}: {s.Secret} is not created by the first deployment"));

        var kept = SecretsOfAppSettings(later.Parameters);
        Assert.All(kept, s => Assert.True(s.CreatedHere || s.ReadFromVault, $"{s.Setting}: {s.Secret} is neither created nor read from the vault: the relay would start without it"));
        Assert.Contains(kept, s => s.Secret == "relay-claim-hash-key" && !s.CreatedHere && s.ReadFromVault);
        Assert.Contains(kept, s => s.Secret == "relay-token-encryption-key" && !s.CreatedHere && s.ReadFromVault);
    }

    [Fact]
    public void The_azd_parameter_file_compiles_with_what_azd_and_the_key_hooks_provide()
    {
        var file = AzdParameterFile();

        // Every variable without a default is azd's own; the keys come from the preprovision hook.
        Assert.Equal(AzdProvides.Keys.Order(StringComparer.Ordinal), file.Where(p => p.Value.Default is null).Select(p => p.Value.Variable).Order(StringComparer.Ordinal));
        var hookKeys = HookKeys();
        Assert.Equal(["claimHashKey", "tokenEncryptionKey"], file.Where(p => hookKeys.ContainsKey(p.Value.Variable)).Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(file.Where(p => hookKeys.ContainsKey(p.Value.Variable)), p => Assert.Equal("", p.Value.Default));

        AssertCompiles(AzdParameters(firstDeployment: true), "infra/main.parameters.json");
    }

    [Fact]
    public void With_azd_the_hook_makes_the_first_deployment_create_every_secret_and_later_ones_read_them()
    {
        var first = SecretsOfAppSettings(AzdParameters(firstDeployment: true));
        Assert.All(first, s => Assert.True(s.CreatedHere, $"{s.Setting}: {s.Secret} is not created by the first azd deployment"));

        var later = SecretsOfAppSettings(AzdParameters(firstDeployment: false));
        Assert.All(later, s => Assert.True(s.CreatedHere || s.ReadFromVault, $"{s.Setting}: {s.Secret} is neither created nor read from the vault"));

        // The secrets the hooks guard are exactly the keys the app settings reference.
        Assert.Equal(HookKeys().Values.Order(StringComparer.Ordinal), later.Where(s => s.ReadFromVault && !s.CreatedHere).Select(s => s.Secret).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_check_sees_a_key_reference_that_nothing_creates_or_reads()
    {
        // Guards the guard: the setting as it was (a URI put together as text) is neither created nor read when the
        // key parameter is empty, which is the relay that could not start.
        var settings = ArmTemplate.OfType("Microsoft.Web/sites/config").Single(c => c.Module == "relaySettings");
        var parameters = RelaySettingsParameters(ArmTemplate.MainParameters());
        var asText = JsonValue.Create("[format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', reference(resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName')), '2023-07-01').vaultUri, variables('claimHashKeySecretName'))]");
        var azure = StandIn();

        var value = (string)ArmExpression.Evaluate(asText, settings.Template, parameters, azure)!;

        Assert.EndsWith("/secrets/relay-claim-hash-key)", value, StringComparison.Ordinal);
        Assert.DoesNotContain(azure.Referenced, id => id.Contains("/secrets/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_SDK_is_pinned_to_the_band_the_project_builds_with()
    {
        var sdk = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "global.json")))!["sdk"]!;
        var version = (string)sdk["version"]!;

        Assert.Matches(@"^\d+\.\d+\.[1-9]00$", version); // a feature band's first version: any patch of it, or a later band
        Assert.Equal("latestFeature", (string)sdk["rollForward"]!);
        Assert.False((bool)sdk["allowPrerelease"]!);
        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));
        var framework = TargetFramework().Match(props).Groups["version"].Value;
        Assert.StartsWith(framework + ".", version, StringComparison.Ordinal);
        Assert.StartsWith($"{Environment.Version.Major}.{Environment.Version.Minor}.", version, StringComparison.Ordinal);
    }

    private static JsonObject Main => Bicep.MainTemplate;

    /// <summary>`bicep build-params` on a .bicepparam with exactly these values: a missing, unknown or mistyped parameter fails it.</summary>
    private static void AssertCompiles(IReadOnlyDictionary<string, string> parameters, string what)
    {
        var directory = Directory.CreateTempSubdirectory("deploy-params-").FullName;
        try
        {
            var file = Path.Combine(directory, "deploy.bicepparam");
            var text = new StringBuilder($"using '{Path.GetRelativePath(directory, Bicep.MainFile).Replace('\\', '/')}'\n");
            foreach (var (name, value) in parameters)
            {
                var type = (string?)Main["parameters"]![name]?["type"] ?? "string"; // an unknown name fails the build: BCP259
                text.Append(CultureInfo.InvariantCulture, $"param {name} = {BicepLiteral(type, value)}\n");
            }

            File.WriteAllText(file, text.ToString());
            var build = Bicep.Run("build-params", file, "--stdout");
            Assert.True(build.ExitCode == 0 && build.Diagnostics.Count == 0, $"{what}:\n{text}\n{string.Join('\n', build.Diagnostics)}\n{build.Error}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string BicepLiteral(string type, string value) => type.ToLowerInvariant() switch
    {
        "bool" => bool.Parse(value) ? "true" : "false",
        "int" => long.Parse(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        _ => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("$", "\\$", StringComparison.Ordinal) + "'",
    };

    /// <summary>The `az deployment sub create` commands of docs/deploy.md's "Deploy without azd", with the keys the section generates.</summary>
    private static List<AzDeployment> DocumentedDeployments()
    {
        var section = Section(DeployDoc, "Deploy without azd");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var deployments = new List<AzDeployment>();
        foreach (Match block in ShellBlock().Matches(section))
        {
            foreach (var command in block.Groups["body"].Value.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                if (KeyGeneration().Match(command) is { Success: true } generated)
                {
                    Assert.Equal("32", generated.Groups["bytes"].Value); // one key size everywhere
                    variables[generated.Groups["name"].Value] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                    continue;
                }

                var words = Words(command);
                if (words.Count < 3 || words[0] != "az" || words[1] != "deployment" || words[2] != "sub")
                {
                    continue;
                }

                Assert.Equal("create", words[3]);
                string Option(string name) => words[words.IndexOf(name) + 1];
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var word in words.Skip(words.IndexOf("--parameters") + 1).TakeWhile(w => !w.StartsWith("--", StringComparison.Ordinal)))
                {
                    var (name, value) = (word[..word.IndexOf('=', StringComparison.Ordinal)], word[(word.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                    parameters.Add(name, ShellVariable().Replace(value, m => variables.TryGetValue(m.Groups["name"].Value, out var v) ? v : throw new KeyNotFoundException($"docs/deploy.md uses ${m.Groups["name"].Value} without generating it")));
                }

                deployments.Add(new AzDeployment(Option("--template-file"), Option("--location"), parameters));
            }
        }

        return deployments;
    }

    /// <summary>A command line split into words as bash would, quotes removed; $(...) stays inside its word.</summary>
    private static List<string> Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var (quote, depth, any) = ((char?)null, 0, false);
        foreach (var c in command)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                (quote, any) = (c, true);
            }
            else if (char.IsWhiteSpace(c) && depth == 0)
            {
                if (word.Length > 0 || any)
                {
                    words.Add(word.ToString());
                }

                (word, any) = (new StringBuilder(), false);
            }
            else
            {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                word.Append(c);
            }
        }

        if (word.Length > 0 || any)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/deploy.md has no section \"{heading}\"");
        var end = markdown.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return markdown[start..(end < 0 ? markdown.Length : end)];
    }

    /// <summary>infra/main.parameters.json: each parameter's azd variable and its default (null: none).</summary>
    private static Dictionary<string, (string Variable, string? Default)> AzdParameterFile()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!;
        return file["parameters"]!.AsObject().ToDictionary(p => p.Key, p =>
        {
            var m = AzdSubstitution().Match((string)p.Value!["value"]!);
            Assert.True(m.Success, $"main.parameters.json: {p.Key} is not one ${{VARIABLE=default}}");
            return (m.Groups["variable"].Value, m.Groups["default"].Success ? m.Groups["default"].Value : null);
        }, StringComparer.Ordinal);
    }

    /// <summary>The values azd passes: its own variables, the defaults, and the keys as the preprovision hook leaves them.</summary>
    private static Dictionary<string, string> AzdParameters(bool firstDeployment)
    {
        var hookKeys = HookKeys();
        return AzdParameterFile().ToDictionary(p => p.Key, p => p.Value switch
        {
            var (variable, _) when AzdProvides.TryGetValue(variable, out var given) => given,
            // A first deployment (no secret in the vault): the hook generates the key; later: it leaves it empty.
            var (variable, _) when hookKeys.ContainsKey(variable) => firstDeployment ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : "",
            var (_, fallback) => fallback!,
        }, StringComparer.Ordinal);
    }

    /// <summary>The keys the hooks guard: azd variable → Key Vault secret.</summary>
    private static Dictionary<string, string> HookKeys()
    {
        var keys = KeyHookTests.RelayKeys().ToDictionary(k => k.Variable, k => k.Secret, StringComparer.Ordinal);
        Assert.Equal(2, keys.Count);
        return keys;
    }

    /// <summary>
    /// Each app setting that is a Key Vault reference, for a deployment with these main parameters: the secret it names,
    /// whether this deployment creates that secret, and whether it reads the secret from the vault (which fails the
    /// deployment when the vault has none).
    /// </summary>
    private static List<SecretUse> SecretsOfAppSettings(IReadOnlyDictionary<string, string> given)
    {
        var mainParameters = ArmTemplate.MainParameters(given.ToDictionary(
            p => p.Key,
            p => Typed((string?)Main["parameters"]![p.Key]?["type"] ?? throw new KeyNotFoundException($"{p.Key} is not a parameter of main.bicep"), p.Value),
            StringComparer.Ordinal));
        var secrets = ArmTemplate.OfType("Microsoft.KeyVault/vaults/secrets")
            .Select(s =>
            {
                var parameters = s.Module == "relaySettings" ? RelaySettingsParameters(mainParameters) : throw new NotSupportedException($"a secret in module {s.Module}: teach this test its parameters");
                var name = ((string)ArmExpression.Evaluate(s.Body["name"], s.Template, parameters)!).Split('/')[^1];
                var created = s.Body["condition"] is not { } condition || (bool)ArmExpression.Evaluate(condition, s.Template, parameters)!;
                return (Name: name, Created: created);
            })
            .ToList();

        var config = ArmTemplate.OfType("Microsoft.Web/sites/config").Single(c => c.Module == "relaySettings");
        var settingParameters = RelaySettingsParameters(mainParameters);
        var uses = new List<SecretUse>();
        foreach (var (setting, expression) in config.Properties.Where(p => p.Value!.ToString().Contains("@Microsoft.KeyVault(", StringComparison.Ordinal)))
        {
            var azure = StandIn();
            var value = (string)ArmExpression.Evaluate(expression, config.Template, settingParameters, azure)!;
            var secret = SecretUri().Match(value);
            Assert.True(secret.Success, $"{setting} = {value}: not @Microsoft.KeyVault(SecretUri=https://<vault>/secrets/<name>)");
            var name = secret.Groups["name"].Value;
            uses.Add(new SecretUse(setting, name, secrets.Any(s => s.Name == name && s.Created),
                azure.Referenced.Any(id => id.EndsWith("/secrets/" + name, StringComparison.Ordinal))));
        }

        return uses;
    }

    /// <summary>relaySettings' parameters; those known only once deployed (module outputs) get stand-in names.</summary>
    private static Dictionary<string, JsonNode?> RelaySettingsParameters(Dictionary<string, JsonNode?> mainParameters)
    {
        var deployment = ArmTemplate.ModuleDeployment("relaySettings");
        var parameters = ArmExpression.ModuleParameters(deployment, Main, mainParameters);
        foreach (var (name, _) in deployment["properties"]!["template"]!["parameters"]!.AsObject())
        {
            parameters.TryAdd(name, JsonValue.Create(name == "keyVaultName" ? "kv-test" : name));
        }

        return parameters;
    }

    private static ArmStandIn StandIn() => new(id =>
    {
        var vault = VaultOf().Match(id);
        return vault.Success
            ? new JsonObject
            {
                ["vaultUri"] = $"https://{vault.Groups["vault"].Value}.vault.azure.net/",
                ["secretUri"] = $"https://{vault.Groups["vault"].Value}.vault.azure.net/secrets/{vault.Groups["secret"].Value}",
            }
            : [];
    });

    private static JsonNode? Typed(string type, string value) => type.ToLowerInvariant() switch
    {
        "bool" => JsonValue.Create(bool.Parse(value)),
        "int" => JsonValue.Create(long.Parse(value, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value),
    };

    private sealed record AzDeployment(string TemplateFile, string Location, Dictionary<string, string> Parameters);

    private sealed record SecretUse(string Setting, string Secret, bool CreatedHere, bool ReadFromVault);

    [GeneratedRegex(@"```bash\n(?<body>.*?)```", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"^(?<name>[A-Z_][A-Z0-9_]*)=\$\(openssl rand -base64 (?<bytes>\d+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyGeneration();

    [GeneratedRegex(@"\$\{?(?<name>[A-Z_][A-Z0-9_]*)\}?", RegexOptions.CultureInvariant)]
    private static partial Regex ShellVariable();

    [GeneratedRegex(@"^\$\{(?<variable>[A-Z_][A-Z0-9_]*)(?:=(?<default>[^}]*))?\}$", RegexOptions.CultureInvariant)]
    private static partial Regex AzdSubstitution();

    [GeneratedRegex(@"^@Microsoft\.KeyVault\(SecretUri=https://[^/]+/secrets/(?<name>[A-Za-z0-9-]+)/?\)$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretUri();

    [GeneratedRegex(@"/providers/Microsoft\.KeyVault/vaults/(?<vault>[^/]+)(?:/secrets/(?<secret>[^/]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex VaultOf();

    [GeneratedRegex(@"<TargetFramework>net(?<version>\d+\.\d+)</TargetFramework>", RegexOptions.CultureInvariant)]
    private static partial Regex TargetFramework();
}
