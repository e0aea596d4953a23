namespace ScTransfer.Testing;

/// <summary>
/// The xunit trait that says what a test class needs to run: <c>[Trait(Needs.Trait, Needs.Nothing)]</c>. Filter with
/// <c>dotnet test --filter "Needs=Nothing"</c> for the fast, in-process layer (README, Testing).
/// </summary>
public static class Needs
{
    public const string Trait = "Needs";

    /// <summary>In process, in memory: no emulator, no relay process, no network.</summary>
    public const string Nothing = "Nothing";

    /// <summary>The Table storage emulator (started on first use when not already listening).</summary>
    public const string Azurite = "Azurite";

    /// <summary>A relay process (<see cref="RelayHost"/>, either host) over Azurite.</summary>
    public const string Relay = "Relay";

    /// <summary>A relay process and headless Chromium (/usr/bin/chromium; scripts/install-chromium.sh installs it).</summary>
    public const string Chromium = "Chromium";
}
