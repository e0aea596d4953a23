// The runtime looks for a type named StartupHook outside any namespace in each assembly of DOTNET_STARTUP_HOOKS.
// The benchmark sets that variable only on the relay process it starts; the relay's own code is untouched.
#pragma warning disable CA1050 // Declare types in namespaces: the startup-hook contract requires the global namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    public static void Initialize() => ScTransfer.Bench.RelayProbe.Start();
}
