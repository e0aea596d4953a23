using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>One Notification Hubs stand-in and one relay configured to push through it.</summary>
public sealed class PushRelayFixture : RelayHostFixture
{
    public PushRelayFixture()
        : this(NotificationHubStandIn.Start())
    {
    }

    private PushRelayFixture(NotificationHubStandIn hub)
        : base(new Dictionary<string, string>
        {
            ["NotificationHubs__ConnectionString"] = hub.ConnectionString,
            ["NotificationHubs__HubName"] = hub.HubName,
        }) => Hub = hub;

    public NotificationHubStandIn Hub { get; }

    public RelayClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client = new RelayClient(Relay.CreateClient());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Hub.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PushRelayCollection : ICollectionFixture<PushRelayFixture>
{
    public const string Name = "push relay";
}
