using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// NotificationHubs:Platforms as the relay wires it: a token type whose platform the hub holds no credentials for is not
/// supported (so <c>isPushNotificationSupported</c> is false and no push is attempted), <c>none</c> turns pushes off,
/// and a misspelt platform stops start-up naming the setting. End to end on both hosts: <see cref="PushConfigurationTests"/>.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PushPlatformsTests
{
    [Theory]
    [InlineData("", true, true)] // unset: both, as before the setting existed
    [InlineData("apns", true, false)]
    [InlineData("fcm", false, true)]
    [InlineData("apns,fcm", true, true)]
    [InlineData(" FCM , apns ", true, true)]
    [InlineData("none", false, false)]
    public async Task Only_the_listed_platforms_are_supported(string platforms, bool apns, bool fcm)
    {
        await using var services = Services(platforms);
        var notifier = services.GetRequiredService<IPushNotifier>();

        Assert.Equal(apns, notifier.Supports(NotificationToken.Apns));
        Assert.Equal(fcm, notifier.Supports(NotificationToken.Fcm));
        Assert.False(notifier.Supports("com.example.other"));
        Assert.Equal(apns || fcm, notifier is NotificationHubPushNotifier); // none: the notifier that never pushes
    }

    [Theory]
    [InlineData("apns,gcm", "'gcm'")]
    [InlineData("none,apns", "'none'")]
    [InlineData("apple", "'apple'")]
    public async Task A_platform_the_relay_does_not_know_stops_start_up_naming_the_setting(string platforms, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings(platforms));
        builder.Services.AddPushNotifications(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("NotificationHubs:Platforms lists " + named, error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string platforms) => new()
    {
        // Never reached: nothing here sends a push.
        ["NotificationHubs:ConnectionString"] = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5",
        ["NotificationHubs:HubName"] = "relay",
        ["NotificationHubs:Platforms"] = platforms,
    };

    private static ServiceProvider Services(string platforms)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddPushNotifications(new ConfigurationBuilder().AddInMemoryCollection(Settings(platforms)).Build());
        return services.BuildServiceProvider();
    }
}
