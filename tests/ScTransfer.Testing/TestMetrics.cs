using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Testing;

/// <summary>The relay's metrics on a meter factory of their own, for tests that build the relay's services by hand.</summary>
public static class TestMetrics
{
    /// <summary>A <see cref="RelayMetrics"/> whose meter belongs to a fresh factory (a listener can tell it from others by <see cref="Meter.Scope"/>).</summary>
    public static RelayMetrics Create() => new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
