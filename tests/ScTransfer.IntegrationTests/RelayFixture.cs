using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// One relay for the whole end-to-end suite. The suite is one client at one address, making more creates in its first
/// seconds than a client's burst allows: the limits are proven by RateLimitTests on relays of their own.
/// </summary>
public sealed class RelayFixture() : RelayHostFixture(new Dictionary<string, string> { ["RateLimiting__Enabled"] = "false" })
{
    public RelayClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client = new RelayClient(OpenApiContract.CreateClient(Relay)); // every response is checked against docs/openapi.yaml
    }
}

[CollectionDefinition(Name)]
public sealed class RelayCollection : ICollectionFixture<RelayFixture>
{
    public const string Name = "relay";
}
