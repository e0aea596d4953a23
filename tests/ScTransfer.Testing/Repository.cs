namespace ScTransfer.Testing;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration these tests were built in, so the runner matches it.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";

    public static string SelfHostDll => Path.Combine(Root, "src", "ScTransfer.SelfHost", "bin", Configuration, "net10.0", "ScTransfer.SelfHost.dll");

    /// <summary>The Functions app's build output: the script root the Functions host runs (functions.metadata, worker.config.json).</summary>
    public static string FunctionsOutput => Path.Combine(Root, "src", "ScTransfer.Functions", "bin", Configuration, "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScTransfer.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the tests from inside the repository (ScTransfer.Functions.sln not found above " + AppContext.BaseDirectory + ").");
    }
}
