using System.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// infra/hooks/preprovision.sh and postprovision.sh with stand-ins for `az` and `azd` on PATH: the claim-hash and
/// token-encryption keys already in Key Vault are never replaced by accident (docs/deploy.md, "Keys").
/// </summary>
public sealed class KeyHookTests : IDisposable
{
    private const string VaultId = "/subscriptions/s/resourceGroups/rg-relay/providers/Microsoft.KeyVault/vaults/kv-abc";
    private readonly string _stubs = Directory.CreateTempSubdirectory("hook-stubs-").FullName;

    public KeyHookTests()
    {
        // az: lists the vault named by STUB_VAULT_ID; a secret exists when its name is in STUB_SECRETS.
        Write("az", """
            #!/usr/bin/env bash
            echo "az $*" >> "$STUB_LOG"
            case "$1 $2" in
              "keyvault list")
                if [ -n "${STUB_AZ_FAIL:-}" ]; then echo "ERROR: Please run 'az login' to setup account." >&2; exit 1; fi
                [ -n "${STUB_VAULT_ID:-}" ] && echo "$STUB_VAULT_ID"; exit 0 ;;
              "resource show")
                id=$4; name=${id##*/}
                if [[ " ${STUB_SECRETS:-} " == *" $name "* ]]; then echo "$id"; exit 0; fi
                echo "ERROR: (SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 3 ;;
            esac
            echo "unexpected: az $*" >&2; exit 99
            """);
        Write("azd", """
            #!/usr/bin/env bash
            echo "azd $*" >> "$STUB_LOG"
            """);
    }

    private string Log => Path.Combine(_stubs, "calls.log");

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
    public async Task Without_a_signed_in_az_it_refuses_rather_than_guess()
    {
        var run = await HookAsync("preprovision", new() { ["STUB_AZ_FAIL"] = "1" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("az login", run.Error, StringComparison.Ordinal);
        Assert.Empty(AzdSets());
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

    private async Task<(int ExitCode, string Output, string Error)> HookAsync(string hook, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "infra", "hooks", hook + ".sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        foreach (var inherited in new[] { "RELAY_CLAIM_HASH_KEY", "RELAY_TOKEN_ENCRYPTION_KEY", "RELAY_ALLOW_KEY_REPLACEMENT", "AZURE_KEY_VAULT_NAME" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["PATH"] = _stubs + ":" + start.Environment["PATH"];
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
