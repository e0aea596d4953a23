using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The expired-mailbox purge (configuration section <c>Purge</c>). Its schedule is the app setting
/// <c>PurgeSchedule</c>, read by the timer trigger itself (<c>%PurgeSchedule%</c>).
/// </summary>
public sealed class PurgeOptions
{
    public const string SectionName = "Purge";

    /// <summary>Expiry-index entries one run handles at most, so a backlog drains over several runs instead of timing out.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>The app setting <c>PurgeSchedule</c> (top level, not in this section: the timer trigger reads <c>%PurgeSchedule%</c>).</summary>
    public string? Schedule { get; internal set; }
}
