using System.Text.Json;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// Both hosts ship the same runtime settings (docs/capacity.md, "Relay CPU"): the build copies each host's
/// runtimeconfig.json beside this test assembly, and the runtime reads the thread pool's spin limit from there.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RuntimeConfigTests
{
    [Theory]
    [InlineData("ScTransfer.Functions")]
    [InlineData("ScTransfer.SelfHost")]
    public void Idle_thread_pool_workers_do_not_spin(string host)
    {
        var path = Path.Combine(AppContext.BaseDirectory, host + ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit), path);
        Assert.Equal(0, limit.GetInt32());
    }
}
