namespace ScTransfer.Testing;

/// <summary>
/// The xunit trait that says what a test class needs to run: <c>[Trait(Needs.Trait, Needs.Nothing)]</c>, one attribute
/// per need (<see cref="Nothing"/> stands alone). scripts/test.sh runs <c>--filter "Needs=Nothing"</c>, the fast,
/// in-process stage, before everything else (README, Testing); <see cref="NeedsAudit"/> holds every test class to it.
/// </summary>
public static class Needs
{
    public const string Trait = "Needs";

    /// <summary>In process and in memory: no emulator, no relay process, no network, no child process, no browser.</summary>
    public const string Nothing = "Nothing";

    /// <summary>The Table storage emulator (started on first use when not already listening).</summary>
    public const string Azurite = "Azurite";

    /// <summary>A relay process (<see cref="RelayHost"/>, either host) over Azurite.</summary>
    public const string Relay = "Relay";

    /// <summary>A relay process and headless Chromium (/usr/bin/chromium; scripts/install-chromium.sh installs it).</summary>
    public const string Chromium = "Chromium";

    /// <summary>A stand-in server on a loopback port inside the test process (e.g. <see cref="NotificationHubStandIn"/>).</summary>
    public const string Loopback = "Loopback";

    /// <summary>The Bicep CLI, run as a child process (restored from NuGet with tests/ScTransfer.Infra.Tests).</summary>
    public const string Bicep = "Bicep";

    /// <summary>Node.js and the repository's npm packages (node_modules: <c>npm ci</c>), run as child processes.</summary>
    public const string Node = "Node";

    /// <summary>bash and the command-line tools the repository's scripts call (curl, openssl), run as child processes.</summary>
    public const string Shell = "Shell";

    /// <summary>
    /// Root on Linux and iproute2's <c>ip</c>: a private network namespace (<see cref="ScTransfer.Testing.NetworkNamespace"/>)
    /// whose loopback carries client addresses of any IPv6 prefix, with Azurite and a relay started inside it.
    /// </summary>
    public const string NetworkNamespace = "NetworkNamespace";
}
