using Microsoft.Extensions.DependencyInjection;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// docs/security.md, "Refusals in the log": each refusal is counted, and the log carries at most one summary
/// per reason and minute, whatever the flood.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayRefusalsTests : IDisposable
{
    private readonly RefusalRecorder _recorder = new();

    [Fact]
    public void A_flood_of_refusals_is_counted_one_by_one_and_logged_at_most_once_per_reason_and_minute()
    {
        // A client that has spent its create bucket and holds its one place, and an instance whose one place is taken.
        using var limiter = RelayRateLimiterTests.Limiter(
            o =>
            {
                o.MaxConcurrentRequests = 1;
                o.MaxConcurrentRequestsPerClient = 1;
                o.Create = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 };
            },
            recorder: _recorder);
        RelayRateLimiterTests.Admit(limiter, "CreateMailbox", "198.51.100.1").Dispose();
        using var holdsItsPlace = RelayRateLimiterTests.Admit(limiter, "GetOpenApiDescription", "198.51.100.2");
        using var holdsTheInstance = limiter.EnterInstance();

        // Five minutes of 200 refusals a second of each kind: 60,000 each.
        for (var second = 0; second < 300; second++)
        {
            for (var i = 0; i < 200; i++)
            {
                Assert.NotNull(RelayRateLimiterTests.Admit(limiter, "CreateMailbox", "198.51.100.1").Refusal);
                Assert.NotNull(RelayRateLimiterTests.Admit(limiter, "ReadSecureContent", "198.51.100.2").Refusal);
                Assert.NotNull(limiter.EnterInstance().Refusal);
            }

            _recorder.Time.Advance(TimeSpan.FromSeconds(1));
        }

        foreach (var reason in new[] { RefusalReason.RateLimitCreate, RefusalReason.ClientConcurrency, RefusalReason.InstanceConcurrency })
        {
            Assert.Equal(60_000, _recorder.Counted(reason));
            var lines = _recorder.Lines.Where(l => Equals(l.Values["Reason"], RelayMetrics.Name(reason))).ToList();
            Assert.Equal(5, lines.Count); // at 0 s, then once each minute: never a line per refusal
            Assert.All(lines, l => Assert.Equal(EventIds.RequestsRefusedSummary, l.EventId));
            // The lines account for every refusal but those of the minute still running.
            Assert.Equal(1 + (4 * 60 * 200), lines.Sum(l => Convert.ToInt64(l.Values["Count"], System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(15, _recorder.Lines.Count);
        Assert.All(_recorder.Lines, l => Assert.DoesNotContain("198.51.100", l.Message, StringComparison.Ordinal)); // no address, ever
    }

    [Fact]
    public void The_first_refusal_after_a_quiet_minute_is_logged_at_once_with_what_was_left_over()
    {
        _recorder.Refusals.Refused(RefusalReason.PrivacyPass); // logged: the first
        _recorder.Time.Advance(TimeSpan.FromSeconds(10));
        _recorder.Refusals.Refused(RefusalReason.PrivacyPass); // counted only
        _recorder.Refusals.Refused(RefusalReason.PrivacyPass);
        _recorder.Refusals.Refused(RefusalReason.TooLarge); // another reason has its own minute

        _recorder.Time.Advance(TimeSpan.FromMinutes(10));
        _recorder.Refusals.Refused(RefusalReason.PrivacyPass);

        var privacyPass = _recorder.Lines.Where(l => Equals(l.Values["Reason"], "privacy_pass")).ToList();
        Assert.Equal(new long[] { 1, 3 }, privacyPass.Select(l => Convert.ToInt64(l.Values["Count"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(610, Convert.ToInt32(privacyPass[1].Values["Seconds"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single(_recorder.Lines, l => Equals(l.Values["Reason"], "size"));
        Assert.Equal(4, _recorder.Counted(RefusalReason.PrivacyPass));
    }

    [Fact]
    public async Task A_Privacy_Pass_refusal_is_counted()
    {
        using var issuer = new PrivacyPassTestIssuer();
        using var relay = new FunctionHarness(new Dictionary<string, string?>
        {
            ["PrivacyPass:CreateMailbox"] = "Required",
            ["PrivacyPass:IssuerName"] = "issuer.test.example",
            ["PrivacyPass:IssuerPublicKeys"] = issuer.SpkiBase64,
        });
        var gate = new PrivacyPassGate(relay.Services.GetRequiredService<PrivacyPassRedeemer>(), _recorder.Refusals);
        var http = relay.Request("POST", "/v1/m", DeviceClaim.New());

        var refusal = await gate.AuthorizeCreateAsync(http.Request, default);

        Assert.Equal(401, (await FunctionHarness.AnswerAsync(refusal!, http)).Status);
        Assert.Equal(1, _recorder.Counted(RefusalReason.PrivacyPass));
    }

    public void Dispose() => _recorder.Dispose();
}
