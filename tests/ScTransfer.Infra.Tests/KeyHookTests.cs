using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// infra/hooks/preprovision.sh and postprovision.sh with stand-ins for `az` and `azd` on PATH: the claim-hash and
/// token-encryption keys already in Key Vault are never replaced by accident (docs/deploy.md, "Keys"), what the hub and
/// the budget already hold is passed on, push secrets leave the azd environment once the hub holds them, and a missing
/// or signed-out `az` stops them with what to run.
/// </summary>
[Trait(Needs.Trait, Needs.Shell)]
public sealed partial class KeyHookTests : IDisposable
{
    private const string VaultId = "/subscriptions/s/resourceGroups/rg-relay/providers/Microsoft.KeyVault/vaults/kv-abc";
    private const string NamespaceId = "/subscriptions/s/resourceGroups/rg-relay/providers/Microsoft.NotificationHubs/namespaces/ntfns-abc";
    private readonly string _stubs = Directory.CreateTempSubdirectory("hook-stubs-").FullName;

    public KeyHookTests()
    {
        // az: signed in unless STUB_AZ_SIGNED_OUT (as az answers then); lists the vault named by STUB_VAULT_ID; a
        // secret exists when its name is in STUB_SECRETS.
        Write("az", """
            #!/usr/bin/env bash
            echo "az $*" >> "$STUB_LOG"
            if [ -n "${STUB_AZ_SIGNED_OUT:-}" ]; then echo "ERROR: Please run 'az login' to setup account." >&2; exit 1; fi
            case "$1 $2" in
              "account show")
                echo "$4"; exit 0 ;;
              "keyvault list")
                if [ -n "${STUB_AZ_FAIL:-}" ]; then echo "ERROR: (AuthorizationFailed) The client does not have authorization to perform action 'Microsoft.KeyVault/vaults/read'." >&2; exit 1; fi
                [ -n "${STUB_VAULT_ID:-}" ] && echo "$STUB_VAULT_ID"; exit 0 ;;
              "resource show")
                id=$4; name=${id##*/}
                if [[ " ${STUB_SECRETS:-} " == *" $name "* ]]; then echo "$id"; exit 0; fi
                echo "ERROR: (SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 3 ;;
              "resource list")
                [ -n "${STUB_NAMESPACE_ID:-}" ] && echo "$STUB_NAMESPACE_ID"; exit 0 ;;
              "group list")
                [ -n "${STUB_GROUP:-}" ] && echo "$STUB_GROUP"; exit 0 ;;
              "rest --method")
                while [ $# -gt 0 ]; do case "$1" in --url) url=$2 ;; --query) query=$2 ;; esac; shift; done
                case "$url" in
                  */pnsCredentials*)
                    # The hub holds the credentials of the platforms in STUB_HUB_PLATFORMS; the query names one field.
                    case "$query" in
                      *apnsCredential*) [[ " ${STUB_HUB_PLATFORMS:-} " == *" apns "* ]] && echo "https://api.push.apple.com:443/3/device" ;;
                      *fcmV1Credential*) [[ " ${STUB_HUB_PLATFORMS:-} " == *" fcm "* ]] && echo "my-firebase-project" ;;
                    esac
                    exit 0 ;;
                  */budgets/relay-monthly*)
                    if [ -n "${STUB_BUDGET_START:-}" ]; then echo "$STUB_BUDGET_START"; exit 0; fi
                    echo "ERROR: (NotFound) The budget relay-monthly was not found." >&2; exit 3 ;;
                esac ;;
            esac
            echo "unexpected: az $*" >&2; exit 99
            """);
        Write("azd", """
            #!/usr/bin/env bash
            echo "azd $*" >> "$STUB_LOG"
            """);
    }

    private string Log => Path.Combine(_stubs, "calls.log");

    /// <summary>bash itself, found on this process's PATH (a test may give the hook a PATH without it).</summary>
    private static string Bash { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(d => Path.Combine(d, "bash")).First(File.Exists);

    [Fact]
    public async Task A_first_deployment_generates_both_keys_into_the_azd_environment()
    {
        var run = await HookAsync("preprovision", new());

        Assert.Equal(0, run.ExitCode);
        var sets = AzdSets();
        Assert.Equal(32, Convert.FromBase64String(sets["RELAY_CLAIM_HASH_KEY"]).Length);
        Assert.Equal(32, Convert.FromBase64String(sets["RELAY_TOKEN_ENCRYPTION_KEY"]).Length);
        Assert.NotEqual(sets["RELAY_CLAIM_HASH_KEY"], sets["RELAY_TOKEN_ENCRYPTION_KEY"]);
    }

    [Fact]
    public async Task A_fresh_environment_of_the_same_name_keeps_the_keys_in_Key_Vault()
    {
        var run = await HookAsync("preprovision", new() { ["STUB_VAULT_ID"] = VaultId, ["STUB_SECRETS"] = "relay-claim-hash-key relay-token-encryption-key" });

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(AzdSets()); // the parameters stay empty: Bicep leaves both secrets alone
        Assert.Contains("relay-claim-hash-key is in Key Vault: kept.", run.Output, StringComparison.Ordinal);
        Assert.Contains($"az resource show --ids {VaultId}/secrets/relay-claim-hash-key", File.ReadAllText(Log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_in_the_environment_is_refused_when_the_vault_already_holds_one()
    {
        var run = await HookAsync("preprovision", new()
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_SECRETS"] = "relay-claim-hash-key relay-token-encryption-key",
            ["RELAY_CLAIM_HASH_KEY"] = Convert.ToBase64String(new byte[48]),
        });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("every open mailbox would become unreachable", run.Error, StringComparison.Ordinal);
        Assert.Contains("azd env set RELAY_CLAIM_HASH_KEY \"\"", run.Error, StringComparison.Ordinal);
        Assert.Empty(AzdSets());
    }

    [Fact]
    public async Task A_deliberate_rotation_passes_when_the_key_is_valid()
    {
        var environment = new Dictionary<string, string>
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_SECRETS"] = "relay-claim-hash-key relay-token-encryption-key",
            ["RELAY_TOKEN_ENCRYPTION_KEY"] = Convert.ToBase64String(new byte[32]),
            ["RELAY_ALLOW_KEY_REPLACEMENT"] = "true",
        };
        var run = await HookAsync("preprovision", environment);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("relay-token-encryption-key WILL BE REPLACED", run.Output, StringComparison.Ordinal);

        environment["RELAY_TOKEN_ENCRYPTION_KEY"] = Convert.ToBase64String(new byte[16]); // AES-256 needs 32 bytes
        var invalid = await HookAsync("preprovision", environment);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("RELAY_TOKEN_ENCRYPTION_KEY is not base64 of 32 bytes", invalid.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_added_by_an_upgrade_is_generated_while_the_existing_one_is_kept()
    {
        var run = await HookAsync("preprovision", new() { ["STUB_VAULT_ID"] = VaultId, ["STUB_SECRETS"] = "relay-claim-hash-key" });

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["RELAY_TOKEN_ENCRYPTION_KEY"], AzdSets().Keys);
    }

    [Fact]
    public async Task When_az_cannot_list_the_vaults_it_refuses_rather_than_guess()
    {
        var run = await HookAsync("preprovision", new() { ["STUB_AZ_FAIL"] = "1" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("cannot list Key Vaults", run.Error, StringComparison.Ordinal);
        Assert.Contains("AuthorizationFailed", run.Error, StringComparison.Ordinal);
        Assert.Empty(AzdSets());
    }

    [Theory]
    [InlineData("preprovision")]
    [InlineData("postprovision")]
    public async Task With_az_signed_out_the_hook_stops_first_and_says_to_run_az_login(string hook)
    {
        var run = await HookAsync(hook, new() { ["STUB_AZ_SIGNED_OUT"] = "1", ["STUB_VAULT_ID"] = VaultId });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("az is not signed in to subscription s", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'az login'", run.Error, StringComparison.Ordinal);
        Assert.Contains("'azd auth login' does not sign in az", run.Error, StringComparison.Ordinal);
        Assert.Equal(["az account show --subscription s --query id -o tsv"], File.ReadAllLines(Log)); // nothing else was asked
        Assert.Empty(AzdSets());
    }

    [Theory]
    [InlineData("preprovision")]
    [InlineData("postprovision")]
    public async Task Without_az_installed_the_hook_stops_first_and_says_where_to_get_it(string hook)
    {
        File.Delete(Path.Combine(_stubs, "az"));
        var run = await HookAsync(hook, new(), path: _stubs + ":" + Tools("bash", "dirname"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("the Azure CLI (az) is not installed", run.Error, StringComparison.Ordinal);
        Assert.Contains("https://aka.ms/azcli", run.Error, StringComparison.Ordinal);
        Assert.Contains("run 'az login'", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Log)); // neither az nor azd ran
    }

    [Fact]
    public async Task The_hooks_accept_exactly_the_key_sizes_the_relay_accepts_and_the_docs_generate_them()
    {
        var accepts = new Dictionary<string, Func<string, bool>>(StringComparer.Ordinal)
        {
            ["RELAY_CLAIM_HASH_KEY"] = key => Starts(() => Relay.Configuration.RelayKeys.From(new RelayOptions { ClaimHashKey = key, TokenEncryptionKey = ValidKey })),
            ["RELAY_TOKEN_ENCRYPTION_KEY"] = key => Starts(() => Relay.Configuration.RelayKeys.From(new RelayOptions { ClaimHashKey = ValidKey, TokenEncryptionKey = key })),
        };
        var entries = RelayKeys();
        Assert.Equal(accepts.Keys.Order(StringComparer.Ordinal), entries.Select(e => e.Variable).Order(StringComparer.Ordinal));
        foreach (var entry in entries)
        {
            foreach (var bytes in new[] { 16, 31, 32, 33, 48, 64 })
            {
                var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
                var check = await BashAsync($". infra/hooks/keys.sh; valid_key '{key}' '{entry.Length}'");
                Assert.True(accepts[entry.Variable](key) == (check == 0), $"{entry}: the hook {(check == 0 ? "accepts" : "refuses")} {bytes} bytes, the relay does not agree");
            }
        }

        // Every key the docs and hooks tell you to generate has the one size: 32 bytes, which both keys take.
        var texts = Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md")
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "infra", "hooks"), "*.sh"))
            .Append(Path.Combine(Repository.Root, "README.md"))
            .ToDictionary(f => Path.GetRelativePath(Repository.Root, f), File.ReadAllText);
        var generated = texts.SelectMany(t => KeyGeneration().Matches(t.Value).Select(m => (File: t.Key, Bytes: m.Groups["bytes"].Value))).ToList();
        Assert.Contains(generated, g => g.File == Path.Combine("infra", "hooks", "preprovision.sh"));
        Assert.Contains(generated, g => g.File == Path.Combine("docs", "deploy.md"));
        Assert.Contains(generated, g => g.File == "README.md");
        Assert.All(generated, g => Assert.True(g.Bytes == "32", $"{g.File}: openssl rand -base64 {g.Bytes}"));
    }

    [Fact]
    public async Task After_provisioning_the_environment_forgets_keys_the_vault_now_holds()
    {
        var run = await HookAsync("postprovision", new()
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_SECRETS"] = "relay-claim-hash-key relay-token-encryption-key",
            ["RELAY_CLAIM_HASH_KEY"] = Convert.ToBase64String(new byte[48]),
            ["RELAY_ALLOW_KEY_REPLACEMENT"] = "true",
        });

        Assert.Equal(0, run.ExitCode);
        var sets = AzdSets();
        Assert.Equal("", sets["RELAY_CLAIM_HASH_KEY"]);
        Assert.Equal("", sets["RELAY_ALLOW_KEY_REPLACEMENT"]);
        Assert.False(sets.ContainsKey("RELAY_TOKEN_ENCRYPTION_KEY")); // not in the environment: nothing to forget
    }

    [Fact]
    public async Task A_fresh_environment_learns_what_the_hub_and_the_budget_already_hold()
    {
        var run = await HookAsync("preprovision", new()
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_SECRETS"] = "relay-claim-hash-key relay-token-encryption-key",
            ["STUB_NAMESPACE_ID"] = NamespaceId,
            ["STUB_HUB_PLATFORMS"] = "apns fcm",
            ["STUB_GROUP"] = "rg-relay",
            ["STUB_BUDGET_START"] = "2025-03-01T00:00:00Z",
        });

        Assert.Equal(0, run.ExitCode);
        var sets = AzdSets();
        Assert.Equal("apns,fcm", sets["PUSH_PLATFORMS_IN_PLACE"]); // so NotificationHubs__Platforms keeps both
        Assert.Equal("2025-03-01", sets["BUDGET_START_DATE"]);     // Azure refuses to change it
        Assert.Contains("Push credentials: the hub holds apns,fcm.", run.Output, StringComparison.Ordinal);
        Assert.Contains($"az rest --method post --url {NamespaceId}/notificationHubs/relay/pnsCredentials", File.ReadAllText(Log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_deployment_passes_no_platform_and_no_budget_start()
    {
        var run = await HookAsync("preprovision", new() { ["PUSH_PLATFORMS_IN_PLACE"] = "apns", ["BUDGET_START_DATE"] = "2024-01-01" });

        Assert.Equal(0, run.ExitCode);
        var sets = AzdSets();
        Assert.Equal("", sets["PUSH_PLATFORMS_IN_PLACE"]); // a stale value from a deleted environment is not believed
        Assert.Equal("", sets["BUDGET_START_DATE"]);       // a new budget starts this month
    }

    [Fact]
    public async Task After_provisioning_the_environment_forgets_the_push_secrets_the_hub_now_holds()
    {
        var run = await HookAsync("postprovision", new()
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_NAMESPACE_ID"] = NamespaceId,
            ["STUB_HUB_PLATFORMS"] = "apns fcm",
            ["APNS_TOKEN"] = "MIGTAgEAMBMGByqGSM49",
            ["FCM_PRIVATE_KEY_BASE64"] = "LS0tLS1CRUdJTg==",
        });

        Assert.Equal(0, run.ExitCode);
        var sets = AzdSets();
        Assert.Equal("", sets["APNS_TOKEN"]);
        Assert.Equal("", sets["FCM_PRIVATE_KEY_BASE64"]);
        Assert.Contains("APNS_TOKEN removed from the azd environment", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_secret_the_hub_did_not_take_stays_in_the_environment_and_the_hook_says_so()
    {
        var run = await HookAsync("postprovision", new()
        {
            ["STUB_VAULT_ID"] = VaultId,
            ["STUB_NAMESPACE_ID"] = NamespaceId,
            ["STUB_HUB_PLATFORMS"] = "fcm",
            ["APNS_TOKEN"] = "MIGTAgEAMBMGByqGSM49",
        });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("the hub holds no apns credential after provisioning; APNS_TOKEN is kept", run.Error, StringComparison.Ordinal);
        Assert.False(AzdSets().ContainsKey("APNS_TOKEN"));
    }

    public void Dispose() => Directory.Delete(_stubs, recursive: true);

    /// <summary>Each `azd env set NAME VALUE` the hook ran.</summary>
    private Dictionary<string, string> AzdSets() => !File.Exists(Log) ? [] : File.ReadAllLines(Log)
        .Where(line => line.StartsWith("azd env set ", StringComparison.Ordinal))
        .Select(line => line["azd env set ".Length..].Split(' ', 2))
        .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");

    private void Write(string name, string script)
    {
        var path = Path.Combine(_stubs, name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Whether the relay takes the key: its constructor refuses one of the wrong size at start-up.</summary>
    /// <summary>A key each relay key accepts, beside the one under test.</summary>
    private static readonly string ValidKey = Convert.ToBase64String(new byte[32]);

    private static bool Starts(Func<object> construct)
    {
        try
        {
            return construct() is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A folder with links to these tools only (found on this machine's PATH), for a PATH without az.</summary>
    private string Tools(params string[] names)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_stubs, "tools")).FullName;
        foreach (var name in names)
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists) ?? throw new InvalidOperationException($"{name} is not on PATH");
            File.CreateSymbolicLink(Path.Combine(folder, name), found);
        }

        return folder;
    }

    private static async Task<int> BashAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script]) { WorkingDirectory = Repository.Root, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode is 0 or 1, $"bash -c {script}: exit {process.ExitCode}: {await error}");
        return process.ExitCode;
    }

    /// <summary>RELAY_KEYS of infra/hooks/keys.sh: each key's azd variable, Key Vault secret and length rule.</summary>
    internal static IReadOnlyList<(string Variable, string Secret, string Length)> RelayKeys() =>
        HookKey().Matches(File.ReadAllText(Path.Combine(Repository.Root, "infra", "hooks", "keys.sh")))
            .Select(m => (m.Groups["variable"].Value, m.Groups["secret"].Value, m.Groups["length"].Value)).ToList();

    [GeneratedRegex(@"""(?<variable>RELAY_[A-Z_]+) (?<secret>relay-[a-z-]+) (?<length>(?:min:)?\d+)""", RegexOptions.CultureInvariant)]
    private static partial Regex HookKey();

    [GeneratedRegex(@"openssl rand -base64 (?<bytes>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex KeyGeneration();

    private async Task<(int ExitCode, string Output, string Error)> HookAsync(string hook, Dictionary<string, string> environment, string? path = null)
    {
        var start = new ProcessStartInfo(Bash, [Path.Combine(Repository.Root, "infra", "hooks", hook + ".sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        foreach (var inherited in new[] { "RELAY_CLAIM_HASH_KEY", "RELAY_TOKEN_ENCRYPTION_KEY", "RELAY_ALLOW_KEY_REPLACEMENT", "AZURE_KEY_VAULT_NAME", "APNS_TOKEN", "FCM_PRIVATE_KEY_BASE64", "PUSH_PLATFORMS_IN_PLACE", "BUDGET_START_DATE" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["PATH"] = path ?? _stubs + ":" + start.Environment["PATH"];
        start.Environment["STUB_LOG"] = Log;
        start.Environment["AZURE_SUBSCRIPTION_ID"] = "s";
        start.Environment["AZURE_ENV_NAME"] = "relay";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output, await error);
    }
}
