namespace ScTransfer.Relay.Configuration;

/// <summary>
/// A Key Vault reference App Service could not resolve, left in the setting as <c>@Microsoft.KeyVault(...)</c>: recognised
/// so the relay can say so rather than call it malformed (docs/deploy.md, "Key Vault references that do not resolve").
/// </summary>
internal static class KeyVaultReference
{
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    /// <summary>The fail-fast message for a key the relay cannot serve without.</summary>
    public static string CannotServeWithout(string setting) =>
        $"{setting} is an unresolved Key Vault reference: the platform could not read the secret (the app's identity lacks "
        + "'Key Vault Secrets User' on the vault, the role assignment has not propagated yet, or the secret does not exist). "
        + "The relay cannot serve without this key, so it stops here and the platform starts it again, resolving the "
        + "reference anew (docs/deploy.md, 'Key Vault references').";
}
