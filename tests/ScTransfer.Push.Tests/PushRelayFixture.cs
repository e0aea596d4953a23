using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>One Notification Hubs stand-in and one self-hosted relay process configured to push through it.</summary>
public sealed class PushRelayFixture : IAsyncLifetime
{
    public NotificationHubStandIn Hub { get; private set; } = null!;

    public RelayHost Relay { get; private set; } = null!;

    public RelayCalls Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Hub = NotificationHubStandIn.Start();
        Relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["NotificationHubs__ConnectionString"] = Hub.ConnectionString,
            ["NotificationHubs__HubName"] = Hub.HubName,
        });
        Client = new RelayCalls(Relay.CreateClient());
    }

    public async Task DisposeAsync()
    {
        await Relay.DisposeAsync();
        await Hub.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PushRelayCollection : ICollectionFixture<PushRelayFixture>
{
    public const string Name = "push relay";
}
