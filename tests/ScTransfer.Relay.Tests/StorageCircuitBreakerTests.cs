using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The storage circuit breaker opens when storage fails, not when it throttles (docs/security.md, "A busy partition"):
/// a partition past its target answers 503 ServerBusy or 500 OperationTimedOut, and one client can cause that, so it
/// must not cut everyone off. Driven through the real SDK pipeline over a canned transport.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class StorageCircuitBreakerTests
{
    [Theory]
    [InlineData(503, null, true)]
    [InlineData(500, null, true)]
    [InlineData(502, null, true)]
    [InlineData(504, null, true)]
    [InlineData(503, "ServerBusy", false)]
    [InlineData(500, "OperationTimedOut", false)]
    [InlineData(500, "InternalError", true)]
    [InlineData(404, "ResourceNotFound", false)]
    [InlineData(412, "UpdateConditionNotSatisfied", false)]
    public void Only_failures_count_toward_opening_never_answers_or_throttling(int status, string? code, bool outage) =>
        Assert.Equal(outage, StorageCircuitBreaker.IsOutage(status, code));

    [Fact]
    public async Task A_hundred_ServerBusy_answers_leave_it_closed()
    {
        using var breaker = Breaker();
        var storage = Pipeline(breaker, HttpStatusCode.ServiceUnavailable, "ServerBusy");

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(503, (await SendAsync(storage)).Status);
        }

        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public async Task Eight_plain_503s_open_it_and_then_calls_fail_at_once()
    {
        using var breaker = Breaker();
        var storage = Pipeline(breaker, HttpStatusCode.ServiceUnavailable, errorCode: null);

        for (var i = 0; i < StorageCircuitBreaker.MinimumThroughput; i++)
        {
            Assert.Equal(503, (await SendAsync(storage)).Status);
        }

        Assert.True(breaker.IsOpen);
        await Assert.ThrowsAnyAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => SendAsync(storage));
    }

    private static StorageCircuitBreaker Breaker()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var breaker = new StorageCircuitBreaker(time, new StorageHealth(time), NullLogger<StorageCircuitBreaker>.Instance);
        breaker.UseProbe(_ => throw new HttpRequestException("still down")); // stays open while the test looks
        return breaker;
    }

    /// <summary>The storage client's pipeline as the relay builds it (the breaker per attempt), over a canned transport.</summary>
    private static HttpPipeline Pipeline(StorageCircuitBreaker breaker, HttpStatusCode status, string? errorCode)
    {
#pragma warning disable CA2000 // the transport owns the handler for the pipeline's lifetime, which is the test's
        var options = new CannedOptions { Transport = new HttpClientTransport(new HttpClient(new Canned(status, errorCode))) };
#pragma warning restore CA2000
        options.Retry.MaxRetries = 0;
        return HttpPipelineBuilder.Build(options, [], [breaker], new ResponseClassifier());
    }

    private static async Task<Azure.Response> SendAsync(HttpPipeline pipeline)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri("https://account.table.core.windows.net/mailboxes(PartitionKey='s00',RowKey='x')"));
        await pipeline.SendAsync(message, CancellationToken.None);
        return message.Response;
    }

    private sealed class CannedOptions : Azure.Core.ClientOptions;

    /// <summary>Answers every request with the same status and error code, as the Table service words it.</summary>
    private sealed class Canned(HttpStatusCode status, string? errorCode) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(status)
            {
                Content = new StringContent("{\"odata.error\":{\"code\":\"" + errorCode + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"x\"}}}", System.Text.Encoding.UTF8, "application/json"),
            };
            if (errorCode is not null)
            {
                response.Headers.TryAddWithoutValidation("x-ms-error-code", errorCode);
            }

            return Task.FromResult(response);
        }
    }
}
