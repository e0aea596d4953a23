using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NCrontab;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The app setting <c>PurgeSchedule</c>, read as the Azure Functions timer trigger reads a schedule (WebJobs Extensions
/// <c>TimerSchedule.Create</c>): an NCRONTAB expression, with seconds when it has six fields (five fields: minutes), else
/// a <see cref="TimeSpan"/> period such as <c>00:05:00</c>. Both hosts parse it here: the self-hosted runner schedules
/// the purge with it, and both refuse to start when it is missing or not one of these, instead of running without a purge.
/// </summary>
public sealed class PurgeSchedule
{
    public const string SettingName = "PurgeSchedule";

    /// <summary>Every minute, as local.settings.sample.json and the Bicep app settings have it.</summary>
    public const string Default = "0 */1 * * * *";

    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan _period;

    private PurgeSchedule(string expression, CrontabSchedule? cron, TimeSpan period)
    {
        Expression = expression;
        _cron = cron;
        _period = period;
    }

    public string Expression { get; }

    /// <summary>The first run after <paramref name="after"/> (UTC).</summary>
    public DateTime GetNextOccurrence(DateTime after) => _cron?.GetNextOccurrence(after) ?? after + _period;

    public static bool TryParse(string? expression, [NotNullWhen(true)] out PurgeSchedule? schedule, [NotNullWhen(false)] out string? error) =>
        TryParse(expression, SettingName, "the expired-mailbox purge", Default, out schedule, out error);

    /// <summary>Any timer's schedule, read from the app setting <paramref name="settingName"/> (errors name it and its job).</summary>
    public static bool TryParse(
        string? expression, string settingName, string job, string example, [NotNullWhen(true)] out PurgeSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = $"The app setting {settingName} is not set: {job} needs a schedule, e.g. '{example}' (NCRONTAB with seconds) or '00:05:00'.";
            return false;
        }

        var trimmed = expression.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (CrontabSchedule.TryParse(trimmed, new CrontabSchedule.ParseOptions { IncludingSeconds = fields != 5 }) is { } cron)
        {
            schedule = new PurgeSchedule(trimmed, cron, TimeSpan.Zero);
            error = null;
            return true;
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var period))
        {
            if (period <= TimeSpan.Zero)
            {
                error = $"The app setting {settingName} is a period of {period}: it must be longer than zero.";
                return false;
            }

            schedule = new PurgeSchedule(trimmed, null, period);
            error = null;
            return true;
        }

        error = $"The app setting {settingName} is not a schedule: use NCRONTAB with seconds (six fields, e.g. '{example}') or a period (e.g. '00:05:00').";
        return false;
    }
}
