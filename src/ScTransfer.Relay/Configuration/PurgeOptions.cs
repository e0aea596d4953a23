using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The expired-mailbox purge (configuration section <c>Purge</c>). Its schedule is the app setting
/// <c>PurgeSchedule</c> (default every minute), read by the timer trigger itself (<c>%PurgeSchedule%</c>).
/// </summary>
public sealed class PurgeOptions
{
    public const string SectionName = "Purge";

    /// <summary>
    /// How long a tombstone (a deleted or expired mailbox's identifier) stays after the mailbox's expiry, refusing
    /// any create of that identifier; then the purge removes it. Default a year (365 days), as long as old links
    /// realistically circulate in message histories; positive and at least the longest lifetime (docs/security.md,
    /// "Retired identifiers"). The purge's cost does not grow with it: it reads only what is due.
    /// </summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Wall-clock time one purge run may work before it stops and leaves the rest for the next run; well inside the
    /// one-minute schedule so that runs do not overlap, and under host.json's <c>functionTimeout</c> (one minute), past
    /// which the Functions host would end the run itself.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:59")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>The app setting <c>PurgeSchedule</c> (top level, not in this section: the timer trigger reads <c>%PurgeSchedule%</c>).</summary>
    public string? Schedule { get; internal set; }

    /// <summary><see cref="RelayOptions.MaxTimeToLiveSeconds"/>, which <see cref="TombstoneRetention"/> must cover.</summary>
    internal TimeSpan LongestLifetime { get; set; }
}

/// <summary>
/// <c>Purge__*</c> and <c>PurgeSchedule</c>: a schedule the Functions host's timer can read (<see cref="PurgeSchedule"/>,
/// so that the Functions app never runs with its purge silently in error), a time budget inside the function timeout,
/// and a tombstone retention that is positive and covers the longest lifetime.
/// </summary>
internal sealed class PurgeOptionsValidator() : SettingsValidator<PurgeOptions>(PurgeOptions.SectionName)
{
    protected override void Check(PurgeOptions options, SettingErrors errors)
    {
        if (!PurgeSchedule.TryParse(options.Schedule, out _, out var error))
        {
            errors.Add(error);
        }

        var retention = options.TombstoneRetention.ToString("c", CultureInfo.InvariantCulture);
        var longest = options.LongestLifetime.ToString("c", CultureInfo.InvariantCulture);
        var maxTimeToLive = $"{RelayOptions.SectionName}__{nameof(RelayOptions.MaxTimeToLiveSeconds)}";
        if (options.TombstoneRetention <= TimeSpan.Zero)
        {
            errors.Add(nameof(PurgeOptions.TombstoneRetention),
                $"is {retention}; it must be positive and cover the longest lifetime a mailbox may have ({maxTimeToLive}): give at least {longest}.");
        }
        else if (options.TombstoneRetention < options.LongestLifetime)
        {
            errors.Add(nameof(PurgeOptions.TombstoneRetention),
                $"is {retention}, shorter than a mailbox may live ({maxTimeToLive}: {longest}), so an expired or deleted mailbox's identifier "
                + $"could be created again while its link is still held: give at least {longest}.");
        }
    }
}
