using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// What every response shares (<see cref="RelayHttpPolicy"/>), in process: security headers, the Correlation-ID
/// check and echo (draft §5), failures mapped to problem+json. The end-to-end proofs over both hosts stay in
/// IntegrationTests (CorrelationIdTests, StorageOutageTests) and Proof.Tests (SecurityHeaderTests).
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayHttpPolicyTests
{
    private readonly RelayHttpPolicy _policy = new(TestMetrics.Create(), NullLogger<RelayHttpPolicy>.Instance);

    [Fact]
    public void Every_response_gets_the_security_headers_even_a_refused_one()
    {
        var ok = HttpResultRunner.NewContext();
        var refused = HttpResultRunner.NewContext();
        refused.Request.Headers["Mailbox-Correlation-ID"] = "bad value";

        Assert.Null(RelayHttpPolicy.BeginRequest(ok, new RelayRequestFeature(null)));
        Assert.NotNull(RelayHttpPolicy.BeginRequest(refused, new RelayRequestFeature(null)));
        foreach (var http in new[] { ok, refused })
        {
            var headers = http.Response.Headers;
            Assert.Equal("nosniff", headers.XContentTypeOptions);
            Assert.Equal("no-referrer", headers["Referrer-Policy"]);
            Assert.Equal("DENY", headers.XFrameOptions);
            Assert.StartsWith("max-age=", headers.StrictTransportSecurity.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Mailbox-Correlation-ID")]
    [InlineData("Mailbox-Request-ID")]
    [InlineData("mailbox-correlation-id")]
    public void A_valid_correlation_id_is_echoed_under_the_callers_spelling_and_kept_for_the_function(string name)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers[name] = "7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11";
        var request = new RelayRequestFeature(null);

        Assert.Null(RelayHttpPolicy.BeginRequest(http, request));

        Assert.Equal("7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11", http.Response.Headers[name].ToString());
        Assert.Equal("7d1e0d9c-3f7b-4a55-9d43-2b0f5f7c9e11", request.CorrelationId);
        Assert.Equal(name, request.CorrelationHeader, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_a_correlation_id_nothing_is_echoed_and_the_function_sees_none()
    {
        var http = HttpResultRunner.NewContext();
        var request = new RelayRequestFeature(null);

        Assert.Null(RelayHttpPolicy.BeginRequest(http, request));

        Assert.False(http.Response.Headers.ContainsKey("Mailbox-Correlation-ID"));
        Assert.Null(request.CorrelationId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("new\r\nSet-Cookie: a=b")]
    [InlineData("caf\u00e9")]
    public async Task A_correlation_id_that_is_not_a_plain_token_is_400_and_never_echoed(string value)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers["Mailbox-Correlation-ID"] = value;
        var request = new RelayRequestFeature(null);

        var (status, detail) = await HttpResultRunner.RunAsync(RelayHttpPolicy.BeginRequest(http, request)!, http);

        Assert.Equal(400, status);
        Assert.Contains("Mailbox-Correlation-ID", detail, StringComparison.Ordinal);
        Assert.False(http.Response.Headers.ContainsKey("Mailbox-Correlation-ID"));
        Assert.Null(request.CorrelationId);
    }

    [Fact]
    public async Task A_correlation_id_of_128_characters_is_accepted_and_of_129_refused()
    {
        var longest = HttpResultRunner.NewContext();
        longest.Request.Headers["Mailbox-Correlation-ID"] = new string('a', 128);
        var tooLong = HttpResultRunner.NewContext();
        tooLong.Request.Headers["Mailbox-Correlation-ID"] = new string('a', 129);

        Assert.Null(RelayHttpPolicy.BeginRequest(longest, new RelayRequestFeature(null)));
        Assert.Equal(400, (await HttpResultRunner.RunAsync(RelayHttpPolicy.BeginRequest(tooLong, new RelayRequestFeature(null))!, tooLong)).Status);
    }

    [Fact]
    public async Task Two_correlation_id_values_are_ambiguous_and_refused()
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers["Mailbox-Correlation-ID"] = new Microsoft.Extensions.Primitives.StringValues(["a", "b"]);

        Assert.Equal(400, (await HttpResultRunner.RunAsync(RelayHttpPolicy.BeginRequest(http, new RelayRequestFeature(null))!, http)).Status);
        Assert.False(http.Response.Headers.ContainsKey("Mailbox-Correlation-ID"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_storage_outage_is_503_with_Retry_After_also_when_wrapped(bool wrapped)
    {
        Exception outage = new StorageUnavailableException("down", null);
        if (wrapped)
        {
            outage = new AggregateException(new System.Reflection.TargetInvocationException(outage));
        }

        var http = HttpResultRunner.NewContext();
        var (status, _) = await HttpResultRunner.RunAsync(_policy.MapException(outage, http), http);

        Assert.Equal(503, status);
        Assert.Equal(RelayHttpPolicy.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), http.Response.Headers.RetryAfter.ToString());
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
    }

    [Theory]
    [InlineData(StatusCodes.Status413PayloadTooLarge, 413)]
    [InlineData(StatusCodes.Status400BadRequest, 400)]
    public async Task Kestrels_own_refusals_keep_their_4xx(int kestrelStatus, int expected)
    {
        var http = HttpResultRunner.NewContext();

        var (status, _) = await HttpResultRunner.RunAsync(_policy.MapException(new BadHttpRequestException("limit", kestrelStatus), http), http);

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task A_client_that_went_away_gets_499_and_an_unexpected_failure_a_500_that_says_nothing_of_it()
    {
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        var gone = HttpResultRunner.NewContext();
        gone.RequestAborted = aborted.Token;
        var failed = HttpResultRunner.NewContext();

        var (goneStatus, _) = await HttpResultRunner.RunAsync(_policy.MapException(new OperationCanceledException(), gone), gone);
        var (failedStatus, detail) = await HttpResultRunner.RunAsync(_policy.MapException(new InvalidOperationException("secret-internal-detail"), failed), failed);

        Assert.Equal(499, goneStatus);
        Assert.Equal(500, failedStatus);
        Assert.DoesNotContain("secret-internal-detail", detail, StringComparison.Ordinal);
    }
}
