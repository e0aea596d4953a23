using System.Buffers;
using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The request path's lean Table client against the Azure SDK it stands in for: the same signature, the same entity
/// format in both directions, the SDK's retry limits and the same outage mapping.
/// </summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class TablePointClientTests
{
    private static readonly byte[] DevelopmentKey = Convert.FromBase64String(Azurite.AccountKey);

    [Fact]
    public async Task Its_SharedKeyLite_signature_is_the_one_Azure_Data_Tables_puts_on_the_same_request()
    {
        var capture = new CapturingHandler(new SocketsHttpHandler());
        var options = new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(capture)) };
        var table = Azurite.CreateServiceClient(options).GetTableClient(Azurite.UniqueTableName("sig"));
        await table.CreateIfNotExistsAsync();
        await table.GetEntityIfExistsAsync<TableEntity>("s01", Guid.NewGuid().ToString("D"));

        var request = capture.Requests[^1];
        var expected = TablePointClient.SignSharedKeyLite(
            "devstoreaccount1", DevelopmentKey, request.Date, "/devstoreaccount1" + request.Uri.AbsolutePath);
        Assert.StartsWith("SharedKeyLite devstoreaccount1:", request.Authorization);
        Assert.Equal(request.Authorization, expected);
    }

    [Fact]
    public async Task Azurite_refuses_it_with_a_wrong_key_so_its_acceptance_proves_the_signature()
    {
        var harness = new StoreHarness();
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var storage = new StorageOptions
        {
            MailboxTable = harness.Storage.MailboxTable,
            ConnectionString = $"AccountName=devstoreaccount1;AccountKey={wrongKey};TableEndpoint=http://127.0.0.1:{Azurite.TablePort}/devstoreaccount1",
        };
        var points = TablePointClient.Create(storage, new SocketsHttpHandler());

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => points.GetAsync(storage.MailboxTable, "s00", "x", default));
        Assert.Equal(403, refused.Status);
        Assert.Null(await harness.Points.GetAsync(storage.MailboxTable, "s00", "x", default)); // the right key: 404, no entity
    }

    [Fact]
    public async Task A_mailbox_it_writes_reads_back_through_the_SDK_with_every_property_typed_as_before()
    {
        var harness = new StoreHarness();
        var mailbox = FullMailbox(harness, payloadLength: (2 * MailboxStore.ChunkSize) + 5);
        Assert.True(await harness.Store.TryAddAsync(mailbox, default));

        var entity = (await harness.MailboxTable.GetEntityAsync<TableEntity>(harness.Store.Shard(mailbox.Id), mailbox.Id.ToString())).Value;
        Assert.Equal(MailboxEntity.CurrentFormat, entity.GetInt32(MailboxEntity.FormatVersion));
        Assert.Equal(MailboxEntity.LiveKind, entity.GetString(MailboxEntity.Kind));
        Assert.Equal(mailbox.ExpiresAt, entity.GetDateTimeOffset(MailboxEntity.PurgeAt));
        Assert.Equal(mailbox.OperationId, entity.GetGuid(MailboxEntity.OperationId));
        Assert.Equal(mailbox.SenderClaimHash, entity.GetBinary(MailboxEntity.SenderClaimHash));
        Assert.Equal(mailbox.ReceiverClaimHash, entity.GetBinary(MailboxEntity.ReceiverClaimHash));
        Assert.Equal(AccessRightsFormat.Format(mailbox.AccessRights), entity.GetString(MailboxEntity.AccessRights));
        Assert.Equal(mailbox.CreatedAt, entity.GetDateTimeOffset(MailboxEntity.CreatedAt));
        Assert.Equal(mailbox.ExpiresAt, entity.GetDateTimeOffset(MailboxEntity.ExpiresAt));
        Assert.Equal(mailbox.DisplayInformationJson, entity.GetString(MailboxEntity.DisplayInformation));
        Assert.Equal(mailbox.Payload.Type, entity.GetString(MailboxEntity.PayloadType));
        Assert.Equal(mailbox.Payload.Data.Length, entity.GetInt32(MailboxEntity.PayloadLength));
        Assert.Equal(mailbox.PushCount, entity.GetInt32(MailboxEntity.PushCount));
        Assert.Equal(mailbox.SenderToken!.Type, entity.GetString(MailboxEntity.SenderTokenType));
        Assert.Equal(mailbox.SenderToken.Sealed, entity.GetBinary(MailboxEntity.SenderTokenData));
        Assert.Equal(mailbox.ReceiverToken!.Type, entity.GetString(MailboxEntity.ReceiverTokenType));
        Assert.Equal(mailbox.ReceiverToken.Sealed, entity.GetBinary(MailboxEntity.ReceiverTokenData));
        Assert.Equal(mailbox.SenderLastCorrelation, entity.GetBinary(MailboxEntity.SenderLastCorrelation));
        Assert.Equal(mailbox.ReceiverLastCorrelation, entity.GetBinary(MailboxEntity.ReceiverLastCorrelation));
        Assert.Equal(mailbox.RelinquishedClaimHash, entity.GetBinary(MailboxEntity.RelinquishedClaimHash));
        Assert.Equal(mailbox.RelinquishedCorrelation, entity.GetBinary(MailboxEntity.RelinquishedCorrelation));
        Assert.Equal(mailbox.SenderLastPushAt, entity.GetDateTimeOffset(MailboxEntity.SenderLastPushAt));
        Assert.Equal(mailbox.ReceiverLastPushAt, entity.GetDateTimeOffset(MailboxEntity.ReceiverLastPushAt));
        var chunks = new[] { 0, 1, 2 }.Select(i => entity.GetBinary(MailboxEntity.PayloadChunk + i)!).ToArray();
        Assert.Equal(mailbox.Payload.Data, chunks.SelectMany(c => c).ToArray());
        Assert.Equal(MailboxStore.ChunkSize, chunks[0].Length);
        Assert.Equal(entity.ETag.ToString(), mailbox.Version);

        AssertSame(mailbox, (await harness.Store.GetAsync(mailbox.Id, default))!);
    }

    [Fact]
    public async Task A_mailbox_the_SDK_writes_in_the_entity_format_reads_back_through_it_whole()
    {
        var harness = new StoreHarness();
        var expected = FullMailbox(harness, payloadLength: MailboxStore.ChunkSize + 1);
        var data = expected.Payload.Data;
        var entity = new TableEntity(harness.Store.Shard(expected.Id), expected.Id.ToString())
        {
            [MailboxEntity.FormatVersion] = MailboxEntity.CurrentFormat,
            [MailboxEntity.Kind] = MailboxEntity.LiveKind,
            [MailboxEntity.PurgeAt] = expected.ExpiresAt,
            [MailboxEntity.OperationId] = expected.OperationId,
            [MailboxEntity.SenderClaimHash] = expected.SenderClaimHash,
            [MailboxEntity.ReceiverClaimHash] = expected.ReceiverClaimHash,
            [MailboxEntity.AccessRights] = AccessRightsFormat.Format(expected.AccessRights),
            [MailboxEntity.CreatedAt] = expected.CreatedAt,
            [MailboxEntity.ExpiresAt] = expected.ExpiresAt,
            [MailboxEntity.DisplayInformation] = expected.DisplayInformationJson,
            [MailboxEntity.PayloadType] = expected.Payload.Type,
            [MailboxEntity.PayloadLength] = data.Length,
            [MailboxEntity.PushCount] = expected.PushCount,
            [MailboxEntity.SenderTokenType] = expected.SenderToken!.Type,
            [MailboxEntity.SenderTokenData] = expected.SenderToken.Sealed,
            [MailboxEntity.ReceiverTokenType] = expected.ReceiverToken!.Type,
            [MailboxEntity.ReceiverTokenData] = expected.ReceiverToken.Sealed,
            [MailboxEntity.SenderLastCorrelation] = expected.SenderLastCorrelation,
            [MailboxEntity.ReceiverLastCorrelation] = expected.ReceiverLastCorrelation,
            [MailboxEntity.RelinquishedClaimHash] = expected.RelinquishedClaimHash,
            [MailboxEntity.RelinquishedCorrelation] = expected.RelinquishedCorrelation,
            [MailboxEntity.SenderLastPushAt] = expected.SenderLastPushAt,
            [MailboxEntity.ReceiverLastPushAt] = expected.ReceiverLastPushAt,
            [MailboxEntity.PayloadChunk + "0"] = data[..MailboxStore.ChunkSize],
            [MailboxEntity.PayloadChunk + "1"] = data[MailboxStore.ChunkSize..],
        };
        var added = await harness.MailboxTable.AddEntityAsync(entity);

        var read = (await harness.Store.GetAsync(expected.Id, default))!;
        expected.Version = added.Headers.ETag.ToString();
        AssertSame(expected, read);
    }

    [Fact]
    public async Task Its_tombstone_and_the_purges_tombstone_are_the_same_entity()
    {
        var harness = new StoreHarness();
        var mailbox = harness.NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await harness.Store.TryAddAsync(mailbox, default));
        mailbox.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Written, await harness.Store.TryTombstoneAsync(mailbox, default));

        var shard = harness.Store.Shard(mailbox.Id);
        var written = (await harness.MailboxTable.GetEntityAsync<TableEntity>(shard, mailbox.Id.ToString())).Value;
        var sdk = MailboxEntity.Tombstone(shard, mailbox.Id.ToString(), mailbox.ExpiresAt, mailbox.ExpiresAt + harness.Purge.TombstoneRetention, mailbox.OperationId);
        Assert.Equal(
            sdk.Keys.Where(k => k != "odata.etag").Order(),
            written.Keys.Where(k => k is not ("odata.etag" or "Timestamp")).Order());
        foreach (var key in sdk.Keys.Where(k => k != "odata.etag"))
        {
            Assert.Equal(sdk[key], written[key]);
        }

        var read = (await harness.Store.GetAsync(mailbox.Id, default))!;
        Assert.True(read.IsTombstone);
        Assert.Equal(mailbox.ExpiresAt, read.ExpiresAt);
        Assert.Equal(mailbox.OperationId, read.OperationId);
    }

    [Fact]
    public async Task A_table_that_vanished_under_the_relay_is_created_again_and_the_request_goes_through()
    {
        var harness = new StoreHarness();
        await harness.MailboxTable.DeleteAsync();
        Assert.Null(await harness.Store.GetAsync(MailboxId.New(), default));

        await harness.MailboxTable.DeleteAsync();
        var mailbox = harness.NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await harness.Store.TryAddAsync(mailbox, default));
        Assert.Equal(mailbox.Id, (await harness.Store.GetAsync(mailbox.Id, default))!.Id);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task A_throttled_or_failing_call_is_retried_MaxRetries_times_and_then_is_an_outage(int status)
    {
        var stub = new StubHandler(_ => Reply(status));
        var points = StubClient(stub, maxRetries: 2);

        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => points.GetAsync("mailboxes", "s00", "x", default));
        Assert.Equal(status, failed.Status);
        Assert.Equal(3, stub.Calls);
        Assert.True(StorageOutage.Is(failed, default));
    }

    [Fact]
    public async Task A_call_that_recovers_within_the_retries_succeeds_with_the_answer_of_the_last_attempt()
    {
        var stub = new StubHandler(call => call < 3 ? Reply(503) : Reply(204, etag: "W/\"datetime'2026-11-28T12%3A00%3A00Z'\""));
        var points = StubClient(stub, maxRetries: 2);
        using var body = new PooledBuffer(16);
        body.Write("{}"u8);

        Assert.Equal("W/\"datetime'2026-11-28T12%3A00%3A00Z'\"", await points.ReplaceAsync("mailboxes", "s00", "x", body, "*", default));
        Assert.Equal(3, stub.Calls);
    }

    [Theory]
    [InlineData(409, "EntityAlreadyExists")]
    [InlineData(412, "UpdateConditionNotSatisfied")]
    [InlineData(404, "ResourceNotFound")]
    public async Task Answers_the_protocol_decides_on_are_neither_retried_nor_an_outage(int status, string code)
    {
        var stub = new StubHandler(_ => Reply(status, body: "{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"no\"}}}"));
        var points = StubClient(stub, maxRetries: 2);
        using var body = new PooledBuffer(16);
        body.Write("{}"u8);

        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => points.MergeAsync("mailboxes", "s00", "x", body, "*", default));
        Assert.Equal(status, failed.Status);
        Assert.Equal(code, failed.ErrorCode);
        Assert.Equal(1, stub.Calls);
        Assert.False(StorageOutage.Is(failed, default));
    }

    [Fact]
    public async Task A_missing_entity_reads_as_null_but_a_missing_table_is_reported()
    {
        var missingEntity = StubClient(new StubHandler(_ => Reply(404, code: "ResourceNotFound")), maxRetries: 0);
        var missingTable = StubClient(new StubHandler(_ => Reply(404, code: "TableNotFound")), maxRetries: 0);

        Assert.Null(await missingEntity.GetAsync("mailboxes", "s00", "x", default));
        Assert.Equal("TableNotFound", (await Assert.ThrowsAsync<RequestFailedException>(() => missingTable.GetAsync("mailboxes", "s00", "x", default))).ErrorCode);
    }

    [Fact]
    public async Task Network_failures_and_the_network_timeout_are_retried_and_then_an_outage_the_store_answers_as_unavailable()
    {
        var refused = new StubHandler(_ => throw new HttpRequestException("connection refused"));
        var silent = new StubHandler(_ => Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => new HttpResponseMessage(HttpStatusCode.OK), TaskScheduler.Default));

        var network = await Assert.ThrowsAsync<HttpRequestException>(() => StubClient(refused, maxRetries: 1).GetAsync("mailboxes", "s00", "x", default));
        var timeout = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => StubClient(silent, maxRetries: 1, timeout: TimeSpan.FromMilliseconds(200)).GetAsync("mailboxes", "s00", "x", default));

        Assert.Equal(2, refused.Calls);
        Assert.Equal(2, silent.Calls);
        Assert.True(StorageOutage.Is(network, default));
        Assert.True(StorageOutage.Is(timeout, default));

        var storage = new StorageOptions { MailboxTable = "mailboxes", MaxRetries = 0 };
        var store = new MailboxStore(Azurite.CreateServiceClient(), StubClient(new StubHandler(_ => Reply(503)), maxRetries: 0),
            Options.Create(storage), Options.Create(new PurgeOptions()), NullLogger<MailboxStore>.Instance);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetAsync(MailboxId.New(), default));
    }

    [Fact]
    public async Task With_a_table_endpoint_it_sends_a_bearer_token_for_storage_fetched_once_until_near_expiry()
    {
        var stub = new StubHandler(_ => Reply(404, code: "ResourceNotFound"));
        var credential = new CountingCredential(TimeSpan.FromHours(1));
        var points = TablePointClient.Create(
            new StorageOptions { TableEndpoint = "https://account.table.core.windows.net/" }, stub, credential);

        await points.GetAsync("mailboxes", "s00", "a", default);
        await points.GetAsync("mailboxes", "s00", "b", default);

        Assert.Equal(1, credential.Calls);
        Assert.Equal(["https://storage.azure.com/.default"], credential.Scopes);
        Assert.All(stub.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
        Assert.All(stub.Requests, r => Assert.Equal(TablePointClient.ServiceVersion, r.Version));
        Assert.Equal("https://account.table.core.windows.net/mailboxes(PartitionKey='s00',RowKey='b')", stub.Requests[^1].Uri.AbsoluteUri);

        var expiring = new CountingCredential(TimeSpan.FromMinutes(2));
        var refreshing = TablePointClient.Create(new StorageOptions { TableEndpoint = "https://account.table.core.windows.net" }, stub, expiring);
        await refreshing.GetAsync("mailboxes", "s00", "a", default);
        await refreshing.GetAsync("mailboxes", "s00", "b", default);
        Assert.Equal(2, expiring.Calls);
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", "http://127.0.0.1:10002/devstoreaccount1", "devstoreaccount1")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;", "http://127.0.0.1:9/devstoreaccount1", "devstoreaccount1")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=AAAA;EndpointSuffix=core.windows.net", "https://acct.table.core.windows.net", "acct")]
    [InlineData("AccountName=acct;AccountKey=AAAA", "https://acct.table.core.windows.net", "acct")]
    public void Connection_strings_name_the_table_endpoint_and_account(string connectionString, string endpoint, string account)
    {
        var parsed = TableAccount.FromConnectionString(connectionString);
        Assert.Equal(endpoint, parsed.Endpoint);
        Assert.Equal(account, parsed.Name);
        Assert.NotNull(parsed.Key);
    }

    [Theory]
    [InlineData("AccountName=acct")]
    [InlineData("TableEndpoint=https://acct.table.core.windows.net")]
    [InlineData("AccountName=acct;AccountKey=not base64!")]
    public void A_connection_string_without_a_way_to_sign_is_refused_at_start(string connectionString) =>
        Assert.Throws<InvalidOperationException>(() => TableAccount.FromConnectionString(connectionString));

    private static Mailbox FullMailbox(StoreHarness harness, int payloadLength)
    {
        var mailbox = harness.NewMailbox(TimeSpan.FromHours(1));
        var random = new Random(7);
        var data = new byte[payloadLength];
        random.NextBytes(data);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }

        mailbox.Payload = new SecurePayload("AES256", data);
        mailbox.ReceiverClaimHash = Bytes(32);
        mailbox.SenderToken = new SealedToken("apns", Bytes(80));
        mailbox.ReceiverToken = new SealedToken("fcm", Bytes(90));
        mailbox.SenderLastCorrelation = Bytes(32);
        mailbox.ReceiverLastCorrelation = Bytes(32);
        mailbox.RelinquishedClaimHash = Bytes(32);
        mailbox.RelinquishedCorrelation = Bytes(32);
        mailbox.PushCount = 3;
        mailbox.SenderLastPushAt = harness.Time.GetUtcNow().AddTicks(1234567);
        mailbox.ReceiverLastPushAt = harness.Time.GetUtcNow().AddMinutes(2);
        mailbox.OperationId = Guid.NewGuid();
        return mailbox;
    }

    private static void AssertSame(Mailbox expected, Mailbox actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.False(actual.IsTombstone);
        Assert.Equal(expected.SenderClaimHash, actual.SenderClaimHash);
        Assert.Equal(expected.ReceiverClaimHash, actual.ReceiverClaimHash);
        Assert.Equal(expected.AccessRights, actual.AccessRights);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.ExpiresAt, actual.ExpiresAt);
        Assert.Equal(expected.DisplayInformationJson, actual.DisplayInformationJson);
        Assert.Equal(expected.Payload.Type, actual.Payload.Type);
        Assert.Equal(expected.Payload.Data, actual.Payload.Data);
        Assert.Equal(expected.SenderToken!.Type, actual.SenderToken!.Type);
        Assert.Equal(expected.SenderToken.Sealed, actual.SenderToken!.Sealed);
        Assert.Equal(expected.ReceiverToken!.Type, actual.ReceiverToken!.Type);
        Assert.Equal(expected.ReceiverToken.Sealed, actual.ReceiverToken.Sealed);
        Assert.Equal(expected.SenderLastCorrelation, actual.SenderLastCorrelation);
        Assert.Equal(expected.ReceiverLastCorrelation, actual.ReceiverLastCorrelation);
        Assert.Equal(expected.RelinquishedClaimHash, actual.RelinquishedClaimHash);
        Assert.Equal(expected.RelinquishedCorrelation, actual.RelinquishedCorrelation);
        Assert.Equal(expected.PushCount, actual.PushCount);
        Assert.Equal(expected.SenderLastPushAt, actual.SenderLastPushAt);
        Assert.Equal(expected.ReceiverLastPushAt, actual.ReceiverLastPushAt);
        Assert.Equal(expected.OperationId, actual.OperationId);
        Assert.Equal(expected.Version, actual.Version);
    }

    private static TablePointClient StubClient(StubHandler stub, int maxRetries, TimeSpan? timeout = null) => TablePointClient.Create(
        new StorageOptions { ConnectionString = Azurite.ConnectionString, MaxRetries = maxRetries, NetworkTimeout = timeout ?? TimeSpan.FromSeconds(5) }, stub);

    private static Task<HttpResponseMessage> Reply(int status, string? etag = null, string? code = null, string? body = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body ?? "") };
        if (etag is not null)
        {
            response.Headers.TryAddWithoutValidation("ETag", etag);
        }

        if (code is not null)
        {
            response.Headers.TryAddWithoutValidation("x-ms-error-code", code);
        }

        return Task.FromResult(response);
    }

    private sealed record SeenRequest(Uri Uri, string Authorization, string Date, string Version);

    private static SeenRequest Seen(HttpRequestMessage request) => new(
        request.RequestUri!,
        string.Join(",", request.Headers.GetValues("Authorization")),
        string.Join(",", request.Headers.GetValues("x-ms-date")),
        string.Join(",", request.Headers.GetValues("x-ms-version")));

    /// <summary>Records what the SDK actually sends (after its signing policy), then sends it.</summary>
    private sealed class CapturingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<SeenRequest> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(Seen(request));
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers every request with <c>reply(call number)</c> and records the requests.</summary>
    private sealed class StubHandler(Func<int, Task<HttpResponseMessage>> reply) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public List<SeenRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            lock (Requests)
            {
                Requests.Add(Seen(request));
            }

            return await reply(call).WaitAsync(cancellationToken);
        }
    }

    private sealed class CountingCredential(TimeSpan lifetime) : TokenCredential
    {
        private int _calls;

        public int Calls => _calls;

        public string[] Scopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes = requestContext.Scopes;
            var n = Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(new AccessToken($"token-{n}", DateTimeOffset.UtcNow + lifetime));
        }
    }
}
