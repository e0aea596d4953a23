using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly.Retry;
using Polly.Telemetry;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>The notifier as the relay wires it (AddPushNotifications), against the Notification Hubs stand-in.</summary>
[Trait(Needs.Trait, Needs.Loopback)]
public sealed class NotifierTests : IAsyncLifetime
{
    private readonly RetrySchedule _retries = new();
    private NotificationHubStandIn _hub = null!;
    private ServiceProvider _services = null!;
    private NotificationHubPushNotifier _notifier = null!;

    public Task InitializeAsync()
    {
        _hub = NotificationHubStandIn.Start();
        _services = Services(HubSettings(), retries: _retries);
        _notifier = Assert.IsType<NotificationHubPushNotifier>(_services.GetRequiredService<IPushNotifier>());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync(); // first: releases hanging requests so the provider's disposal does not wait for them
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Apns_token_gets_a_signed_silent_background_push()
    {
        var handle = Handle("apns");
        var result = await _notifier.SendAsync(new NotificationToken(NotificationToken.Apns, handle), CancellationToken.None);

        Assert.Equal(new PushResult(PushDelivery.Delivered, 201), result);
        var push = Assert.Single(_hub.ReceivedFor(handle));
        Assert.Empty(push.Problems);
        Assert.Equal(201, push.Status);
        Assert.Equal("apple", push.Format);
        Assert.Equal("background", push.Headers["apns-push-type"]);
        Assert.Equal("5", push.Headers["apns-priority"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"aps":{"content-available":1}}"""), JsonNode.Parse(push.Body)));
    }

    [Fact]
    public async Task Fcm_token_gets_a_signed_data_only_fcm_v1_push()
    {
        var handle = Handle("fcm");
        Assert.Equal(PushDelivery.Delivered, (await _notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, handle), CancellationToken.None)).Delivery);

        var push = Assert.Single(_hub.ReceivedFor(handle));
        Assert.Empty(push.Problems);
        Assert.Equal("fcmv1", push.Format);
        Assert.False(push.Headers.ContainsKey("apns-push-type"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"message":{"data":{"sct":"mailbox-updated"}}}"""), JsonNode.Parse(push.Body)));
    }

    [Fact]
    public void Both_draft_token_types_are_supported_and_others_are_not()
    {
        Assert.True(_notifier.Supports(NotificationToken.Apns));
        Assert.True(_notifier.Supports(NotificationToken.Fcm));
        Assert.False(_notifier.Supports("com.example.other"));
    }

    [Fact]
    public async Task A_wrong_key_is_caught_by_the_stand_in()
    {
        // Guards the stand-in itself: a signature made with another key must not pass.
        await using var services = Services(new()
        {
            ["NotificationHubs:ConnectionString"] = $"Endpoint={_hub.BaseAddress};SharedAccessKeyName={_hub.KeyName};SharedAccessKey=not-the-key",
            ["NotificationHubs:HubName"] = _hub.HubName,
        });
        var notifier = (NotificationHubPushNotifier)services.GetRequiredService<IPushNotifier>();
        var handle = Handle("wrong-key");
        var result = await notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, handle), CancellationToken.None);

        Assert.Equal(new PushResult(PushDelivery.Refused, 401), result);
        var push = Assert.Single(_hub.ReceivedFor(handle)); // 401 is not retried
        Assert.Contains("SAS signature does not verify with the key", push.Problems);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(413)]
    public async Task A_4xx_answer_is_refused_for_good_and_not_retried(int status)
    {
        var handle = Handle("refused");
        _hub.AnswerFor(handle, status);

        var result = await _notifier.SendAsync(new NotificationToken(NotificationToken.Apns, handle), CancellationToken.None);

        Assert.Equal(new PushResult(PushDelivery.Refused, status), result);
        Assert.Single(_hub.ReceivedFor(handle));
    }

    [Fact]
    public async Task A_5xx_answer_is_retried_a_bounded_number_of_times_then_left_to_the_outbox()
    {
        var handle = Handle("failing");
        _hub.AnswerFor(handle, 500);

        var result = await _notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, handle), CancellationToken.None);

        Assert.Equal(new PushResult(PushDelivery.Failed, 500), result);
        var attempts = _hub.ReceivedFor(handle);
        Assert.Equal(1 + PushServiceCollectionExtensions.MaxRetryAttempts, attempts.Count);
        Assert.All(attempts, push => Assert.Empty(push.Problems));
        // The schedule the pipeline kept: a (jittered) back-off before each retry, not the clock between attempts.
        Assert.Equal(PushServiceCollectionExtensions.MaxRetryAttempts, _retries.Scheduled.Count);
        Assert.All(_retries.Scheduled, delay => Assert.True(delay > TimeSpan.Zero, "retries wait before trying again"));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task An_answer_that_says_when_to_come_back_is_not_retried_at_once_and_its_wait_is_passed_on(int status)
    {
        var handle = Handle("busy");
        _hub.AnswerFor(handle, status, TimeSpan.FromSeconds(20));

        var result = await _notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, handle), CancellationToken.None);

        Assert.Equal(new PushResult(PushDelivery.Failed, status, TimeSpan.FromSeconds(20)), result);
        Assert.Single(_hub.ReceivedFor(handle)); // the outbox waits as asked, not the HTTP client
    }

    [Fact]
    public async Task A_transient_5xx_is_retried_within_the_attempt_until_delivered()
    {
        var handle = Handle("flaky");
        _hub.AnswerFor(handle, 503);
        var send = _notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, handle), CancellationToken.None);
        await _hub.WaitForAsync(handle, 1);
        _hub.AnswerFor(handle, 201);

        Assert.Equal(PushDelivery.Delivered, (await send.DefaultTimeout()).Delivery);
        Assert.Equal(2, _hub.ReceivedFor(handle).Count);
    }

    [Fact]
    public async Task A_hanging_hub_ends_the_attempt_as_failed_at_the_total_timeout_after_a_retry()
    {
        // The notifier and its resilience pipeline wait on this clock: the bounds are the schedule, whatever the load.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // the stand-in checks the SAS expiry against the real clock
        var retries = new RetrySchedule();
        await using var services = Services(HubSettings(), time, retries);
        var notifier = (NotificationHubPushNotifier)services.GetRequiredService<IPushNotifier>();
        var handle = Handle("hanging");
        _hub.AnswerFor(handle, NotificationHubStandIn.Hang);

        var send = notifier.SendAsync(new NotificationToken(NotificationToken.Apns, handle), CancellationToken.None);
        await _hub.WaitForAsync(handle); // the attempt is out, under its timeouts
        time.Advance(PushServiceCollectionExtensions.AttemptTimeout);
        await retries.NextAsync(); // the attempt timed out and is retried
        Assert.False(send.IsCompleted);
        time.Advance(PushServiceCollectionExtensions.TotalTimeout - PushServiceCollectionExtensions.AttemptTimeout);

        Assert.Equal(PushDelivery.Failed, (await send.DefaultTimeout()).Delivery); // given up at the total timeout: the outbox tries later
    }

    [Fact]
    public async Task An_unreachable_hub_never_throws()
    {
        await using var services = Services(new()
        {
            ["NotificationHubs:ConnectionString"] = $"Endpoint=http://127.0.0.1:9/;SharedAccessKeyName=k;SharedAccessKey=x",
            ["NotificationHubs:HubName"] = "hub",
        });
        var notifier = (NotificationHubPushNotifier)services.GetRequiredService<IPushNotifier>();

        var result = await notifier.SendAsync(new NotificationToken(NotificationToken.Fcm, Handle("nowhere")), CancellationToken.None).DefaultTimeout();

        Assert.Equal(PushDelivery.Failed, result.Delivery);
    }

    [Fact]
    public void Without_settings_pushes_are_off()
    {
        using var services = Services(new());
        var notifier = services.GetRequiredService<IPushNotifier>();
        Assert.IsType<DisabledPushNotifier>(notifier);
        Assert.False(notifier.Supports(NotificationToken.Apns));
    }

    [Theory]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k", "relay-hub", "no SharedAccessKey")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x", "", "Set both")]
    [InlineData("", "relay-hub", "Set both")]
    public async Task Half_or_malformed_settings_stop_start_up_with_a_clear_message(string connectionString, string hubName, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NotificationHubs:ConnectionString"] = connectionString,
            ["NotificationHubs:HubName"] = hubName,
        });
        builder.Services.AddPushNotifications(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> HubSettings() => new()
    {
        ["NotificationHubs:ConnectionString"] = _hub.ConnectionString,
        ["NotificationHubs:HubName"] = _hub.HubName,
    };

    private static ServiceProvider Services(Dictionary<string, string?> settings, TimeProvider? time = null, RetrySchedule? retries = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time ?? TimeProvider.System);
        if (retries is not null)
        {
            services.Configure<TelemetryOptions>(telemetry => telemetry.TelemetryListeners.Add(retries));
        }

        services.AddPushNotifications(configuration);
        return services.BuildServiceProvider();
    }

    private static string Handle(string kind) => $"{kind}-{Guid.NewGuid():N}";

    /// <summary>Each retry's back-off as the resilience pipeline schedules it (reported before it waits).</summary>
    private sealed class RetrySchedule : TelemetryListener
    {
        private readonly Channel<TimeSpan> _next = Channel.CreateUnbounded<TimeSpan>();
        private readonly ConcurrentQueue<TimeSpan> _scheduled = new();

        public IReadOnlyCollection<TimeSpan> Scheduled => _scheduled;

        public Task<TimeSpan> NextAsync() => _next.Reader.ReadAsync().AsTask().DefaultTimeout();

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Arguments is OnRetryArguments<TResult> retry)
            {
                _scheduled.Enqueue(retry.RetryDelay);
                _next.Writer.TryWrite(retry.RetryDelay);
            }
        }
    }
}
