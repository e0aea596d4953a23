using System.Diagnostics;
using ScTransfer.Relay.Http.Telemetry;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>What the relay exports never names a mailbox (docs/operations.md, "Traces").</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class TelemetryRedactionTests
{
    private const string Id = "3f2b8c1e-9d4a-4e7b-8a61-2c5d9e0f1a7b";

    [Theory]
    [InlineData("/v1/m/" + Id, "/v1/m/{id}")]
    [InlineData("https://relay.example/v1/m/" + Id + "?v=c", "https://relay.example/v1/m/{id}?v=c")]
    [InlineData("/v1/m/not-a-uuid-but-a-client-s-guess", "/v1/m/{id}")]
    [InlineData("http://127.0.0.1:10002/devstoreaccount1/mbx(PartitionKey='s1d',RowKey='" + Id + "')?$select=Kind", "http://127.0.0.1:10002/devstoreaccount1/mbx(PartitionKey='s1d',RowKey='{id}')?$select=Kind")]
    [InlineData("/mbx(PartitionKey=%27s1d%27,RowKey=%27" + Id + "%27)", "/mbx(PartitionKey=%27s1d%27,RowKey=%27{id}%27)")]
    [InlineData("claim " + Id, "claim {id}")]
    [InlineData("claim 3F2B8C1E9D4A4E7B8A612C5D9E0F1A7B", "claim {id}")]
    [InlineData("GET /v1/m/{mailboxIdentifier}", "GET /v1/m/{mailboxIdentifier}")]
    [InlineData("POST /v1/m", "POST /v1/m")]
    public void Paths_row_keys_and_uuids_become_a_placeholder_and_route_templates_stay(string text, string redacted) =>
        Assert.Equal(redacted, TelemetryRedaction.Redact(text));

    [Fact]
    public void A_span_loses_identifiers_in_its_name_and_attributes_but_keeps_the_sdks_request_ids()
    {
        using var source = new ActivitySource("test." + Guid.NewGuid().ToString("N"));
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var clientRequestId = Guid.NewGuid().ToString();

        using var activity = source.StartActivity("GET /v1/m/" + Id)!;
        activity.SetTag("url.path", "/v1/m/" + Id);
        activity.SetTag("url.full", "http://storage/mbx(PartitionKey='s00',RowKey='" + Id + "')");
        activity.SetTag("az.client_request_id", clientRequestId);
        activity.SetTag("http.response.status_code", 200);
        activity.Stop();
        new TelemetryRedaction.Spans().OnEnd(activity);

        Assert.Equal("GET /v1/m/{id}", activity.DisplayName);
        Assert.Equal("/v1/m/{id}", activity.GetTagItem("url.path"));
        Assert.Equal("http://storage/mbx(PartitionKey='s00',RowKey='{id}')", activity.GetTagItem("url.full"));
        Assert.Equal(clientRequestId, activity.GetTagItem("az.client_request_id"));
        Assert.Equal(200, activity.GetTagItem("http.response.status_code"));
        Assert.DoesNotContain(Id, string.Join(" ", activity.TagObjects.Select(t => t.Value)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_logged_exception_goes_out_with_its_words_redacted()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("No entity at /v1/m/" + Id, new IOException("row " + Id));
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        var redacted = new TelemetryRedaction.RedactedException(thrown);

        Assert.Equal("System.InvalidOperationException: No entity at /v1/m/{id}", redacted.Message);
        Assert.Contains("row {id}", redacted.ToString(), StringComparison.Ordinal);
        Assert.Contains(nameof(A_logged_exception_goes_out_with_its_words_redacted), redacted.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain(Id, redacted.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
