using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The push budget of a mailbox (configuration section <c>Push</c>), counted on the mailbox itself in the update's own
/// conditional write, so it holds however many instances serve the mailbox. An update over budget is still stored
/// and answered 200; only its push is skipped.
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
}

/// <summary><c>Push__*</c>: the ranges above.</summary>
internal sealed class PushOptionsValidator() : SettingsValidator<PushOptions>(PushOptions.SectionName);
