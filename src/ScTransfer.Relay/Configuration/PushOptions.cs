using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Pushes (<c>Push__*</c>): a mailbox's budget, counted on the mailbox so it holds across instances (an update over it is
/// stored, only its push skipped), and how pending pushes are retried.
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
    /// The longest backoff between two attempts of a push, in seconds; a longer <c>Retry-After</c> from the hub is
    /// honoured (docs/push.md).
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
