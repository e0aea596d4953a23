using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Pushes (configuration section <c>Push</c>): the budget of a mailbox, counted on the mailbox itself in the update's own
/// conditional write, so it holds however many instances serve the mailbox (an update over budget is still stored and
/// answered 200; only its push is skipped), and how pending pushes are retried.
/// </summary>
public sealed class PushOptions
{
    public const string SectionName = "Push";

    /// <summary>Pushes one mailbox may cause over its whole life (both parties together; default 20).</summary>
    [Range(0, 10_000)]
    public int MaxPerMailbox { get; set; } = 20;

    /// <summary>Least time between two pushes to the same party of a mailbox, in seconds (default 2).</summary>
    [Range(0, 3600)]
    public int MinIntervalSeconds { get; set; } = 2;

    /// <summary>
    /// The longest wait between two attempts of a push the hub has not taken yet, in seconds (default 30): with the
    /// retry timer every 10 s, a push arrives within a minute of the hub's recovery (docs/push.md). A longer
    /// <c>Retry-After</c> from the hub is honoured.
    /// </summary>
    [Range(1, 3600)]
    public int RetryDelayCapSeconds { get; set; } = 30;

    /// <summary>The app setting <c>PushRetrySchedule</c> (top level: the timer trigger reads <c>%PushRetrySchedule%</c>).</summary>
    public string? Schedule { get; internal set; }

    /// <summary>The app setting the push retry timer reads its schedule from.</summary>
    public const string ScheduleSettingName = "PushRetrySchedule";

    /// <summary>Every 10 seconds, as local.settings.sample.json and the Bicep app settings have it.</summary>
    public const string DefaultSchedule = "*/10 * * * * *";
}

/// <summary><c>Push__*</c>: the ranges above, and <c>PushRetrySchedule</c> read as the Functions host reads it.</summary>
internal sealed class PushOptionsValidator() : SettingsValidator<PushOptions>(PushOptions.SectionName)
{
    protected override void Check(PushOptions options, SettingErrors errors)
    {
        // Without a schedule the Functions host would leave the retry timer silently "in error", as the purge's.
        if (!PurgeSchedule.TryParse(options.Schedule, PushOptions.ScheduleSettingName, "the pending-push retry", PushOptions.DefaultSchedule, out _, out var error))
        {
            errors.Add(error);
        }
    }
}
