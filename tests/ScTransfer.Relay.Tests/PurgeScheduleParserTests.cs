using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>PurgeSchedule reads what the Functions host's timer trigger reads (TimerSchedule.Create), and nothing else.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PurgeScheduleParserTests
{
    private static readonly DateTime Noon = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("0 */1 * * * *", "2026-01-01T12:01:00")] // six fields: seconds first
    [InlineData("*/2 * * * * *", "2026-01-01T12:00:02")]
    [InlineData("*/5 * * * *", "2026-01-01T12:05:00")]   // five fields: minutes first
    [InlineData("00:05:00", "2026-01-01T12:05:00")]      // a period
    [InlineData(" 0 */1 * * * * ", "2026-01-01T12:01:00")]
    public void Accepted_forms_schedule_the_next_run(string expression, string next)
    {
        Assert.True(PurgeSchedule.TryParse(expression, out var schedule, out var error), error);
        Assert.Equal(DateTime.Parse(next, System.Globalization.CultureInfo.InvariantCulture), schedule.GetNextOccurrence(Noon));
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("  ", "is not set")]
    [InlineData("every minute", "is not a schedule")]
    [InlineData("0 */1 * * * * *", "is not a schedule")]
    [InlineData("61 * * * * *", "is not a schedule")]
    [InlineData("00:00:00", "longer than zero")]
    [InlineData("-00:01:00", "longer than zero")]
    public void Other_values_are_refused_with_the_reason(string? expression, string reason)
    {
        Assert.False(PurgeSchedule.TryParse(expression, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains("PurgeSchedule", error, StringComparison.Ordinal);
    }
}
