using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>One relay process for the whole end-to-end suite; tests isolate themselves with fresh mailbox ids and claims.</summary>
public sealed class RelayFixture : IAsyncLifetime
{
    public RelayHost Relay { get; private set; } = null!;

    public RelayClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Relay = await RelayHost.StartAsync();
        Client = new RelayClient(OpenApiContract.CreateClient(Relay)); // every response is checked against docs/openapi.yaml
    }

    public async Task DisposeAsync() => await Relay.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RelayCollection : ICollectionFixture<RelayFixture>
{
    public const string Name = "relay";
}
