using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// <c>Purge__*</c> and <c>PurgeSchedule</c> at start-up: a tombstone retention that is positive and covers the longest
/// lifetime (so an identifier is never re-created while a link to it may be held), a time budget inside the function
/// timeout, a schedule the Functions host can read.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PurgeOptionsValidatorTests
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private static PurgeOptions Options(TimeSpan retention, TimeSpan? longest = null, string? schedule = PurgeSchedule.Default) =>
        new() { TombstoneRetention = retention, LongestLifetime = longest ?? Week, Schedule = schedule };

    private static List<string> Failures(PurgeOptions options) => [.. new PurgeOptionsValidator().Validate(null, options).Failures ?? []];

    [Fact]
    public void The_defaults_are_valid_and_a_retention_equal_to_or_longer_than_the_longest_lifetime_is_taken()
    {
        Assert.Empty(Failures(Options(new PurgeOptions().TombstoneRetention)));
        Assert.Empty(Failures(Options(Week)));
        Assert.Empty(Failures(Options(TimeSpan.FromDays(365))));
        Assert.Empty(Failures(Options(TimeSpan.FromMinutes(1), longest: TimeSpan.FromMinutes(1))));
    }

    [Theory]
    [InlineData("-1.00:00:00")]
    [InlineData("00:00:00")]
    public void A_retention_that_is_not_positive_is_refused_saying_what_to_give(string retention)
    {
        var failure = Assert.Single(Failures(Options(TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(
            $"Purge__TombstoneRetention is {retention}; it must be positive and cover the longest lifetime a mailbox may have "
            + "(Relay__MaxTimeToLiveSeconds): give at least 7.00:00:00.",
            failure);
    }

    [Fact]
    public void A_retention_shorter_than_the_longest_lifetime_is_refused_naming_both_settings()
    {
        var failure = Assert.Single(Failures(Options(TimeSpan.FromDays(1))));

        Assert.StartsWith("Purge__TombstoneRetention is 1.00:00:00, shorter than a mailbox may live (Relay__MaxTimeToLiveSeconds: 7.00:00:00)", failure, StringComparison.Ordinal);
        Assert.EndsWith("give at least 7.00:00:00.", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:01:00")] // host.json's functionTimeout would end the run
    public void A_time_budget_outside_the_function_timeout_is_refused(string budget)
    {
        var options = Options(Week);
        options.TimeBudget = TimeSpan.Parse(budget, System.Globalization.CultureInfo.InvariantCulture);

        var failure = Assert.Single(Failures(options));

        Assert.Equal($"Purge__TimeBudget must be between 00:00:01 and 00:00:59; it is {budget}.", failure);
    }

    [Fact]
    public void A_missing_schedule_is_reported_with_the_retention_not_instead_of_it()
    {
        var failures = Failures(Options(TimeSpan.FromDays(-1), schedule: null));

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("The app setting PurgeSchedule is not set", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("Purge__TombstoneRetention is -1.00:00:00", failures[1], StringComparison.Ordinal);
    }
}
