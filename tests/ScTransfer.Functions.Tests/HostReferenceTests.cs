using System.Text.Json;
using System.Xml.Linq;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The self-hosted runner serves the function classes from the library both hosts share (src/ScTransfer.Relay.Http),
/// not from the Functions app: a reference back to the app would ship the worker's gRPC host, the host's extensions and
/// the Azure Monitor exporter with the runner again (docs/design.md, "Layers").
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class HostReferenceTests
{
    [Fact]
    public void The_runner_references_the_HTTP_library_and_the_relay_only()
    {
        Assert.Equal(["ScTransfer.Relay", "ScTransfer.Relay.Http"], ProjectReferences("src/ScTransfer.SelfHost/ScTransfer.SelfHost.csproj"));
    }

    [Fact]
    public void The_HTTP_library_references_no_host_nor_the_workers_gRPC_host_or_Azure_Monitor()
    {
        const string project = "src/ScTransfer.Relay.Http/ScTransfer.Relay.Http.csproj";

        Assert.Equal(["ScTransfer.Relay"], ProjectReferences(project));
        Assert.DoesNotContain(PackageReferences(project), package => package is "Microsoft.Azure.Functions.Worker"
            or "Microsoft.Azure.Functions.Worker.Grpc" or "Microsoft.Azure.Functions.Worker.Sdk"
            or "Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore" or "Azure.Monitor.OpenTelemetry.Exporter");
    }

    /// <summary>What the runner's build resolved (its deps.json), transitive references included.</summary>
    [Fact]
    public void The_runner_ships_no_part_of_the_Functions_worker_app()
    {
        var depsFile = Path.ChangeExtension(Repository.SelfHostDll, ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("ScTransfer.Relay.Http", libraries);
        Assert.DoesNotContain("ScTransfer.Functions", libraries);
        Assert.DoesNotContain("Microsoft.Azure.Functions.Worker", libraries);
        Assert.DoesNotContain("Microsoft.Azure.Functions.Worker.Grpc", libraries);
        Assert.DoesNotContain("Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore", libraries);
        Assert.DoesNotContain("Azure.Monitor.OpenTelemetry.Exporter", libraries);
        Assert.DoesNotContain(libraries, library => library.StartsWith("Grpc.", StringComparison.Ordinal));
    }

    private static List<string> ProjectReferences(string project) =>
        [.. Items(project, "ProjectReference").Select(include => Path.GetFileNameWithoutExtension(include.Replace('\\', '/'))).Order(StringComparer.Ordinal)];

    private static List<string> PackageReferences(string project) => [.. Items(project, "PackageReference")];

    private static IEnumerable<string> Items(string project, string item) =>
        XDocument.Load(Path.Combine(Repository.Root, project)).Descendants(item).Select(e => (string?)e.Attribute("Include")).OfType<string>();
}
