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
    /// one-minute schedule so that runs do not overlap.
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>The app setting <c>PurgeSchedule</c> (top level, not in this section: the timer trigger reads <c>%PurgeSchedule%</c>).</summary>
    public string? Schedule { get; internal set; }
}
