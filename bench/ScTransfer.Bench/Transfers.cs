using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ScTransfer.Relay;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Bench;

/// <summary>One side of the comparison: a complete stateless transfer (create → preview → read → delete), step by step.</summary>
internal interface ITransferFlow
{
    string Side { get; }

    /// <summary>Runs one transfer; fills each step's duration in Stopwatch ticks. False when any step failed.</summary>
    Task<bool> RunAsync(long[] stepTicks, CancellationToken cancellationToken);
}

internal static class Transfer
{
    public static readonly string[] Steps = ["create", "preview", "read", "delete"];

    public const string DisplayInformationJson =
        """{"title":"Hotel Pass","description":"Some Hotel Pass","imageUrl":"https://hotel.example/sharingImage"}""";

    public const int TimeToLiveSeconds = 3600;
}

/// <summary>
/// The relay over HTTP/1.1 keep-alive, as the draft's clients call it: CreateMailbox, ReadDisplayInformationFromMailbox,
/// ReadSecureContentFromMailbox (a second device binds as the receiver), DeleteMailbox by the sender.
/// </summary>
internal sealed class RelayTransfers(HttpClient http, byte[] payload) : ITransferFlow
{
    private readonly string _payloadBase64 = Convert.ToBase64String(payload);
    private long _requests;

    public string Side => "relay";

    /// <summary>HTTP requests sent to the relay so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public async Task<bool> RunAsync(long[] stepTicks, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("D");
        var sender = Guid.NewGuid().ToString("D");
        var receiver = Guid.NewGuid().ToString("D");
        var body = string.Create(CultureInfo.InvariantCulture,
            $$$"""{"mailboxIdentifier":"{{{id}}}","displayInformation":{{{Transfer.DisplayInformationJson}}},"payload":{"type":"AES128","data":"{{{_payloadBase64}}}"},"mailboxConfiguration":{"accessRights":"RWD","timeToLive":"{{{Transfer.TimeToLiveSeconds}}}"}}""");

        return await StepAsync(stepTicks, 0, HttpMethod.Post, "v1/m", sender, body, cancellationToken)
            && await StepAsync(stepTicks, 1, HttpMethod.Get, "v1/m/" + id, null, null, cancellationToken)
            && await StepAsync(stepTicks, 2, HttpMethod.Post, "v1/m/" + id, receiver, null, cancellationToken)
            && await StepAsync(stepTicks, 3, HttpMethod.Delete, "v1/m/" + id, sender, null, cancellationToken);
    }

    private async Task<bool> StepAsync(
        long[] stepTicks, int step, HttpMethod method, string path, string? claim, string? json, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(method, path);
        if (claim is not null)
        {
            request.Headers.TryAddWithoutValidation("deviceClaim", claim);
            request.Headers.TryAddWithoutValidation("Mailbox-Correlation-ID", Guid.NewGuid().ToString("D"));
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken); // reads the whole body
            stepTicks[step] = Stopwatch.GetTimestamp() - start;
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}

/// <summary>
/// The storage operations of the same transfer in the relay's layout before sharding (docs/design.md, "Storage
/// layout"), issued directly with Azure.Data.Tables: insert; get; get + conditional merge to bind; delete, plus the
/// expiry-index upsert at create that its purge needed then. The entity has the relay's shape and size.
/// Not included: the relay's get before its delete (it checks who is deleting); that is the relay's 7th operation.
/// </summary>
internal sealed class RawTransfers(TableClient mailboxes, TableClient expiry, byte[] payload) : ITransferFlow
{
    public string Side => "raw";

    public async Task<bool> RunAsync(long[] stepTicks, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("D");
        var now = DateTimeOffset.UtcNow;
        var expiresAt = now.AddSeconds(Transfer.TimeToLiveSeconds);
        try
        {
            var start = Stopwatch.GetTimestamp();
            var bucket = expiresAt.ToUnixTimeSeconds() / 10 * 10;
            await expiry.UpsertEntityAsync(
                new TableEntity(bucket.ToString("D12", CultureInfo.InvariantCulture), id), TableUpdateMode.Replace, cancellationToken);
            await mailboxes.AddEntityAsync(new TableEntity(id, "")
            {
                ["SenderClaimHash"] = RandomHash(),
                ["AccessRights"] = "RWD",
                ["CreatedAt"] = now,
                ["ExpiresAt"] = expiresAt,
                ["DisplayInformation"] = Transfer.DisplayInformationJson,
                ["PayloadType"] = "AES128",
                ["PayloadLength"] = payload.Length,
                ["Payload0"] = payload,
                ["SenderLastCorrelationId"] = Guid.NewGuid().ToString("D"),
            }, cancellationToken);
            stepTicks[0] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            await mailboxes.GetEntityAsync<TableEntity>(id, "", cancellationToken: cancellationToken);
            stepTicks[1] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var read = await mailboxes.GetEntityAsync<TableEntity>(id, "", cancellationToken: cancellationToken);
            var bound = await mailboxes.UpdateEntityAsync(
                new TableEntity(id, "") { ["ReceiverClaimHash"] = RandomHash() }, read.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            stepTicks[2] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var deleted = await mailboxes.DeleteEntityAsync(id, "", bound.Headers.ETag ?? ETag.All, cancellationToken);
            stepTicks[3] = Stopwatch.GetTimestamp() - start;
            return deleted.Status == 204;
        }
        catch (RequestFailedException)
        {
            return false;
        }
    }

    private static byte[] RandomHash() => Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();
}

/// <summary>
/// The floor (docs/capacity.md, "Benchmark, side by side"): exactly the 6 storage operations a relay that authorises
/// deletes needs for a stateless transfer, issued directly with Azure.Data.Tables on an entity of the relay's shape in
/// its layout (PartitionKey = shard from a stable hash of the id, RowKey = id; <c>V</c>, <c>Kind</c>, <c>PurgeAt</c>,
/// <c>OpId</c> …, as src/ScTransfer.Relay/Storage/MailboxEntity.cs): insert; get (preview); get + conditional merge of
/// the receiver's claim hash and op id (bind); get + conditional replace with a tombstone (the relay's delete). No
/// HTTP, no protocol checks: what is left between this side and the relay is the relay's own work.
/// </summary>
internal sealed class FloorTransfers(TableClient mailboxes, byte[] payload, int shards) : ITransferFlow
{
    private static readonly TimeSpan TombstoneRetention = TimeSpan.FromDays(7); // PurgeOptions' default

    /// <summary>What the relay's preview and delete select, taken from the relay's own mapping: never the payload.</summary>
    private static readonly IReadOnlyList<string> PreviewSelection = MailboxEntity.Selection(MailboxView.Display)!;

    private static readonly IReadOnlyList<string> DeleteSelection = MailboxEntity.Selection(MailboxView.Access)!;

    /// <summary>The relay's own shard function, under a key of the floor's.</summary>
    private readonly MailboxShards _shards = new(RandomNumberGenerator.GetBytes(32), shards);

    public string Side => "floor";

    public async Task<bool> RunAsync(long[] stepTicks, CancellationToken cancellationToken)
    {
        var guid = Guid.NewGuid();
        var id = guid.ToString("D");
        var shard = _shards.Of(new MailboxId(guid));
        var now = DateTimeOffset.UtcNow;
        var expiresAt = now.AddSeconds(Transfer.TimeToLiveSeconds);
        try
        {
            var start = Stopwatch.GetTimestamp();
            await mailboxes.AddEntityAsync(new TableEntity(shard, id)
            {
                ["V"] = 2,
                ["Kind"] = "L",
                ["PurgeAt"] = expiresAt,
                ["OpId"] = Guid.NewGuid(),
                ["SenderClaimHash"] = RandomHash(),
                ["AccessRights"] = "RWD",
                ["CreatedAt"] = now,
                ["ExpiresAt"] = expiresAt,
                ["DisplayInformation"] = Transfer.DisplayInformationJson,
                ["PayloadType"] = "AES128",
                ["PayloadLength"] = payload.Length,
                ["PushCount"] = 0,
                ["SenderLastCorrelationHash"] = RandomHash(),
                ["Payload0"] = payload,
            }, cancellationToken);
            stepTicks[0] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            await mailboxes.GetEntityAsync<TableEntity>(shard, id, PreviewSelection, cancellationToken);
            stepTicks[1] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var read = await mailboxes.GetEntityAsync<TableEntity>(shard, id, cancellationToken: cancellationToken);
            await mailboxes.UpdateEntityAsync(
                new TableEntity(shard, id) { ["ReceiverClaimHash"] = RandomHash(), ["OpId"] = Guid.NewGuid() },
                read.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            stepTicks[2] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var current = await mailboxes.GetEntityAsync<TableEntity>(shard, id, DeleteSelection, cancellationToken);
            var tombstone = new TableEntity(shard, id)
            {
                ["V"] = 2,
                ["Kind"] = "T",
                ["PurgeAt"] = expiresAt + TombstoneRetention,
                ["OpId"] = Guid.NewGuid(),
                ["ExpiresAt"] = expiresAt,
            };
            var deleted = await mailboxes.UpdateEntityAsync(tombstone, current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            stepTicks[3] = Stopwatch.GetTimestamp() - start;
            return deleted.Status == 204;
        }
        catch (RequestFailedException)
        {
            return false;
        }
    }

    private static byte[] RandomHash() => RandomNumberGenerator.GetBytes(32);
}

/// <summary>Counts every storage request attempt (retries included) on the raw side, and whether it was a point operation.</summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _requests;
    private long _nonPoint;
    private long _bytesRead;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Bytes of the answers' bodies: what storage sent back.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Requests that did not name one entity by PartitionKey and RowKey (queries, table creation).</summary>
    public long NonPointRequests => Interlocked.Read(ref _nonPoint);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
        CountAnswer(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        await ProcessNextAsync(message, pipeline);
        CountAnswer(message);
    }

    /// <summary>The answer's body as the pipeline buffered it (Azure.Core reads every answer into memory).</summary>
    private void CountAnswer(HttpMessage message)
    {
        if (message.HasResponse && message.Response.ContentStream is { CanSeek: true } body)
        {
            Interlocked.Add(ref _bytesRead, body.Length);
        }
    }

    private void Count(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        var path = message.Request.Uri.Path;
        var point = path.Contains("(PartitionKey=", StringComparison.Ordinal)
            || (message.Request.Method == RequestMethod.Post && !path.EndsWith("Tables", StringComparison.Ordinal));
        if (!point)
        {
            Interlocked.Increment(ref _nonPoint);
        }
    }
}
