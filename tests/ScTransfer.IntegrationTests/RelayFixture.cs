using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>One relay process for the whole end-to-end suite; tests isolate themselves with fresh mailbox ids and claims.</summary>
public sealed class RelayFixture : IAsyncLifetime
{
    public RelayHost Relay { get; private set; } = null!;

    public RelayClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The whole suite is one client at one address, making more creates in its first seconds than a client's
        // burst allows: the limits are proven by RateLimitTests on relays of their own.
        Relay = await RelayHost.StartAsync(new Dictionary<string, string> { ["RateLimiting__Enabled"] = "false" });
        Client = new RelayClient(OpenApiContract.CreateClient(Relay)); // every response is checked against docs/openapi.yaml
    }

    public async Task DisposeAsync() => await Relay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RelayCollection : ICollectionFixture<RelayFixture>
{
    public const string Name = "relay";
}
