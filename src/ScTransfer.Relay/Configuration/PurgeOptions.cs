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
    /// How long a tombstone keeps its identifier refused after the mailbox's expiry: a year by default, at least the longest
    /// lifetime (docs/security.md, "Retired identifiers").
    /// </summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// How long one purge run may work before it leaves the rest to the next: inside the one-minute schedule and under
    /// host.json's <c>functionTimeout</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:59")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>The app setting <c>PurgeSchedule</c> (top level, not in this section: the timer trigger reads <c>%PurgeSchedule%</c>).</summary>
    public string? Schedule { get; internal set; }

    /// <summary><see cref="RelayOptions.MaxTimeToLiveSeconds"/>, which <see cref="TombstoneRetention"/> must cover.</summary>
    internal TimeSpan LongestLifetime { get; set; }
}

/// <summary>
/// <c>Purge__*</c> and <c>PurgeSchedule</c>: a schedule the host's timer can read, a time budget inside the function
/// timeout, and a retention that covers the longest lifetime.
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
