using Xunit;

namespace ScTransfer.Testing;

/// <summary>
/// One relay (<see cref="RelayHost"/>: the self-hosted runner or the Functions host, as <c>RELAY_TEST_HOST</c> says) for a
/// whole test collection, started with the collection's setting overrides; tests isolate themselves with fresh mailbox ids
/// and claims. A test project derives from it for its overrides and its own way of calling the relay.
/// </summary>
public class RelayHostFixture(IReadOnlyDictionary<string, string>? overrides = null) : IAsyncLifetime
{
    public RelayHost Relay { get; private set; } = null!;

    public Uri BaseAddress => Relay.BaseAddress;

    public virtual async Task InitializeAsync() =>
        Relay = await RelayHost.StartAsync(overrides?.ToDictionary(setting => setting.Key, setting => setting.Value));

    public virtual async Task DisposeAsync()
    {
        if (Relay is not null)
        {
            await Relay.DisposeAsync();
        }
    }
}
