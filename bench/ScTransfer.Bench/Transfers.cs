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
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

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

    /// <summary>The relay's lifetimes end on a whole second (its parser rounds up): the expiry is part of the index row's key.</summary>
    public static DateTimeOffset WholeSecondUp(DateTimeOffset time) =>
        time.Ticks % TimeSpan.TicksPerSecond == 0 ? time : time.AddTicks(TimeSpan.TicksPerSecond - (time.Ticks % TimeSpan.TicksPerSecond));
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
/// The floor (docs/capacity.md, "The benchmark"): exactly the storage requests a relay that authorises
/// deletes needs for a stateless transfer, issued directly with Azure.Data.Tables on the relay's own entity mappings
/// (src/ScTransfer.Relay/Storage/MailboxEntity.cs, DueIndex.cs) in its layout (PartitionKey = the keyed shard, RowKey =
/// id, the due-index row beside it): the mailbox and its index row in one entity-group transaction; get (preview); get +
/// conditional merge of the receiver's part (bind); get + one transaction that replaces the mailbox with its tombstone
/// (If-Match) and moves the index row to the retention's end (the relay's delete). 6 round trips, 9 entity operations.
/// No HTTP, no protocol checks: what is left between this side and the relay is the relay's own work.
/// </summary>
internal sealed class FloorTransfers(TableClient mailboxes, byte[] payload, int shards) : ITransferFlow
{
    private static readonly TimeSpan TombstoneRetention = new PurgeOptions().TombstoneRetention;

    /// <summary>What the relay's preview and delete select, taken from the relay's own mapping: never the payload.</summary>
    private static readonly IReadOnlyList<string> PreviewSelection = MailboxEntity.Selection(MailboxView.Display)!;

    private static readonly IReadOnlyList<string> DeleteSelection = MailboxEntity.Selection(MailboxView.Access)!;

    /// <summary>The relay's own shard function, under a key of the floor's.</summary>
    private readonly MailboxShards _shards = new(RandomNumberGenerator.GetBytes(32), shards);

    public string Side => "floor";

    public async Task<bool> RunAsync(long[] stepTicks, CancellationToken cancellationToken)
    {
        var id = new MailboxId(Guid.NewGuid());
        var rowKey = id.ToString();
        var shard = _shards.Of(id);
        var now = DateTimeOffset.UtcNow;
        var expiresAt = Transfer.WholeSecondUp(now.AddSeconds(Transfer.TimeToLiveSeconds));
        var mailbox = new Mailbox
        {
            Id = id,
            SenderClaimHash = RandomHash(),
            AccessRights = AccessRights.Read | AccessRights.Write | AccessRights.Delete,
            CreatedAt = now,
            ExpiresAt = expiresAt,
            DisplayInformationJson = Transfer.DisplayInformationJson,
            Payload = new SecurePayload("AES128", payload),
            SenderLastCorrelation = RandomHash(),
            OperationId = Guid.NewGuid(),
        };
        try
        {
            var start = Stopwatch.GetTimestamp();
            await mailboxes.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Add, MailboxEntity.Whole(shard, mailbox)),
                DueIndex.Add(DueIndex.Row(shard, expiresAt, rowKey, DueIndex.Step.Retire, expiresAt)),
            ], cancellationToken);
            stepTicks[0] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            await mailboxes.GetEntityAsync<TableEntity>(shard, rowKey, PreviewSelection, cancellationToken);
            stepTicks[1] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var read = await mailboxes.GetEntityAsync<TableEntity>(shard, rowKey, cancellationToken: cancellationToken);
            mailbox.ReceiverClaimHash = RandomHash();
            mailbox.OperationId = Guid.NewGuid();
            await mailboxes.UpdateEntityAsync(MailboxEntity.ReceiverPart(shard, mailbox), read.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            stepTicks[2] = Stopwatch.GetTimestamp() - start;

            start = Stopwatch.GetTimestamp();
            var current = await mailboxes.GetEntityAsync<TableEntity>(shard, rowKey, DeleteSelection, cancellationToken);
            var purgeAt = expiresAt + TombstoneRetention;
            var deleted = await mailboxes.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace,
                    MailboxEntity.Tombstone(shard, rowKey, expiresAt, purgeAt, Guid.NewGuid()), current.Value.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(shard, DueIndex.RowKey(expiresAt, rowKey)), ETag.All),
                DueIndex.Add(DueIndex.Row(shard, purgeAt, rowKey, DueIndex.Step.Remove, expiresAt)),
            ], cancellationToken);
            stepTicks[3] = Stopwatch.GetTimestamp() - start;
            return deleted.Value.Count == 3;
        }
        catch (RequestFailedException)
        {
            return false;
        }
    }

    private static byte[] RandomHash() => RandomNumberGenerator.GetBytes(32);
}

/// <summary>
/// Counts every storage request attempt (retries included) on the raw and floor sides: round trips, the entity operations
/// they carry (one per point request, one per operation inside an entity-group transaction), whether each was a point
/// operation, and the bytes of the answers.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _requests;
    private long _entityOperations;
    private long _nonPoint;
    private long _bytesRead;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Entity operations sent: what counts toward a partition's 2,000 entities/s.</summary>
    public long EntityOperations => Interlocked.Read(ref _entityOperations);

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

    /// <summary>The entity operations of a request: those in a transaction's body (written out once more to count them), else 1.</summary>
    public static int EntityOperationsOf(HttpMessage message)
    {
        var path = Uri.UnescapeDataString(message.Request.Uri.Path);
        if (!TableTransactionBody.IsTransaction(path) || message.Request.Content is not { } content)
        {
            return 1;
        }

        using var body = new MemoryStream();
        content.WriteTo(body, CancellationToken.None);
        return TableTransactionBody.EntityOperations(path, body.GetBuffer().AsSpan(0, (int)body.Length));
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
        Interlocked.Add(ref _entityOperations, EntityOperationsOf(message));
        var path = message.Request.Uri.Path;
        var point = path.Contains("(PartitionKey=", StringComparison.Ordinal)
            || (message.Request.Method == RequestMethod.Post && !path.EndsWith("Tables", StringComparison.Ordinal));
        if (!point)
        {
            Interlocked.Increment(ref _nonPoint);
        }
    }
}
