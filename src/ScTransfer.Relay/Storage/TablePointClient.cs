using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// The four point operations of the request path (get, insert, conditional replace, conditional merge) spoken straight
/// to the Table service REST API: bodies written and read through pooled buffers, no entity dictionary, no diagnostics
/// pipeline. Everything else (table creation, the purge's queries and batches) stays with Azure.Data.Tables
/// (docs/design.md, "The storage client"). Failures surface as the SDK's <see cref="RequestFailedException"/> (status
/// and error code), network failures as <see cref="HttpRequestException"/> and the network timeout as
/// <see cref="OperationCanceledException"/>, after the same retries the SDK client is configured with, so
/// <see cref="StorageOutage"/> and the callers' 404/409/412 handling work on both alike.
/// </summary>
internal sealed class TablePointClient
{
    /// <summary>The first service version that accepts OAuth bearer tokens; the Azure SDK's Table client sends the same.</summary>
    internal const string ServiceVersion = "2019-02-02";

    private const string JsonContentType = "application/json;odata=nometadata";
    private static readonly string[] StorageScope = ["https://storage.azure.com/.default"];

    private readonly TableAccount _account;
    private readonly HttpMessageInvoker _http;
    private readonly int _maxRetries;
    private readonly TimeSpan _networkTimeout;
    private readonly string _resourcePrefix;
    private volatile TokenHeader? _token;
    private volatile DateHeader? _date;

    internal TablePointClient(TableAccount account, HttpMessageInvoker http, StorageOptions options)
    {
        _account = account;
        _http = http;
        _maxRetries = options.MaxRetries;
        _networkTimeout = options.NetworkTimeout;
        // Shared Key Lite, Table service format: the canonicalized resource is "/" + account + the URI's path.
        _resourcePrefix = "/" + account.Name + new Uri(account.Endpoint).AbsolutePath.TrimEnd('/') + "/";
    }

    /// <summary>
    /// A client for the account <paramref name="options"/> names (its connection string, or its table endpoint with
    /// <paramref name="credential"/>), sending through <paramref name="handler"/>, which the caller owns.
    /// </summary>
    internal static TablePointClient Create(StorageOptions options, HttpMessageHandler handler, TokenCredential? credential = null)
    {
        var account = !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? TableAccount.FromConnectionString(options.ConnectionString)
            : Uri.TryCreate(options.TableEndpoint, UriKind.Absolute, out var endpoint) && credential is not null
                ? TableAccount.FromEndpoint(endpoint, credential)
                : throw new InvalidOperationException("Storage:TableEndpoint needs a token credential (the app's managed identity).");
        return new TablePointClient(account, new HttpMessageInvoker(handler, disposeHandler: false), options);
    }

    /// <summary>Point read: the entity's JSON (OData nometadata) and its ETag, or null when it does not exist.</summary>
    internal async Task<PointRead?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, table, EntityPath(partitionKey, rowKey), default, null, cancellationToken);
        if (response.Status == (int)HttpStatusCode.OK)
        {
            return new PointRead(response.Body!, response.ETag);
        }

        response.Body?.Dispose();
        return response.Status == (int)HttpStatusCode.NotFound && response.ErrorCode != "TableNotFound"
            ? null
            : throw Failed(response);
    }

    /// <summary>Insert Entity; the new ETag. A 409 (EntityAlreadyExists) and every other failure throws.</summary>
    internal Task<string?> InsertAsync(string table, PooledBuffer entity, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, table, "", entity, null, cancellationToken);

    /// <summary>Update Entity (replace) if the entity is still at <paramref name="ifMatch"/>; the new ETag. 404 and 412 throw.</summary>
    internal Task<string?> ReplaceAsync(string table, string partitionKey, string rowKey, PooledBuffer entity, string ifMatch, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Put, table, EntityPath(partitionKey, rowKey), entity, ifMatch, cancellationToken);

    /// <summary>Merge Entity (sent as PATCH, as Azure.Data.Tables does) if the entity is still at <paramref name="ifMatch"/>; the new ETag. 404 and 412 throw.</summary>
    internal Task<string?> MergeAsync(string table, string partitionKey, string rowKey, PooledBuffer properties, string ifMatch, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Patch, table, EntityPath(partitionKey, rowKey), properties, ifMatch, cancellationToken);

    /// <summary>
    /// The Authorization header of a request signed with Shared Key Lite, Table service format:
    /// StringToSign = x-ms-date + "\n" + canonicalized resource; HMAC-SHA256 with the account key, one-shot (no
    /// HMAC object left to the finalizer).
    /// </summary>
    internal static string SignSharedKeyLite(string accountName, byte[] key, string date, string canonicalizedResource)
    {
        var length = Encoding.UTF8.GetByteCount(date) + 1 + Encoding.UTF8.GetByteCount(canonicalizedResource);
        var rented = length <= 1024 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> text = rented ?? stackalloc byte[1024];
        var written = Encoding.UTF8.GetBytes(date, text);
        text[written++] = (byte)'\n';
        written += Encoding.UTF8.GetBytes(canonicalizedResource, text[written..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, text[..written], mac);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        Span<char> signature = stackalloc char[44]; // base64 of 32 bytes
        Convert.TryToBase64Chars(mac, signature, out _);
        return string.Concat("SharedKeyLite ", accountName, ":", signature);
    }

    private async Task<string?> WriteAsync(
        HttpMethod method, string table, string entityPath, PooledBuffer body, string? ifMatch, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, table, entityPath, body.WrittenSegment, ifMatch, cancellationToken);
        response.Body?.Dispose();
        return response.Status is >= 200 and < 300 ? response.ETag : throw Failed(response);
    }

    /// <summary>
    /// One call with the configured retries: 408, 429, 500, 502, 503, 504, network failures and the per-attempt network
    /// timeout are tried again after a jittered exponential back-off (100 ms doubling, at most 1 s), as the SDK does.
    /// </summary>
    private async Task<PointResponse> SendAsync(
        HttpMethod method, string table, string entityPath, ArraySegment<byte> body, string? ifMatch, CancellationToken cancellationToken)
    {
        var resource = string.Concat(_resourcePrefix, table, entityPath);
        var uri = string.Concat(_account.Endpoint, "/", table, entityPath);
        if (_account.SharedAccessSignature is { } sas)
        {
            uri += "?" + sas;
        }

        for (var attempt = 0; ; attempt++)
        {
            var retry = attempt < _maxRetries;
            try
            {
                var response = await AttemptAsync(method, uri, resource, body, ifMatch, cancellationToken);
                if (!retry || response.Status is not (408 or 429 or 500 or 502 or 503 or 504))
                {
                    return response;
                }

                response.Body?.Dispose();
            }
            catch (HttpRequestException) when (retry)
            {
            }
            catch (IOException ex)
            {
                // A connection dropped while the body was read: a network failure like any other.
                if (!retry)
                {
                    throw new HttpRequestException("The storage connection failed while reading the answer.", ex);
                }
            }
            catch (OperationCanceledException) when (retry && !cancellationToken.IsCancellationRequested)
            {
                // The per-attempt network timeout, not the caller's cancellation.
            }

#pragma warning disable CA5394 // jitter between retries, not a secret
            var backOff = Math.Min(1000, 100 << attempt) * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394
            await Task.Delay(TimeSpan.FromMilliseconds(backOff), cancellationToken);
        }
    }

    private async Task<PointResponse> AttemptAsync(
        HttpMethod method, string uri, string resource, ArraySegment<byte> body, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        var headers = request.Headers;
        headers.TryAddWithoutValidation("x-ms-version", ServiceVersion);
        headers.TryAddWithoutValidation("DataServiceVersion", "3.0");
        headers.TryAddWithoutValidation("Accept", JsonContentType);
        if (body.Array is not null)
        {
            request.Content = new ByteArrayContent(body.Array, body.Offset, body.Count);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonContentType);
            headers.TryAddWithoutValidation("Prefer", "return-no-content");
        }

        if (ifMatch is not null)
        {
            headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        await AuthorizeAsync(headers, resource, cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_networkTimeout);
        using var response = await _http.SendAsync(request, timeout.Token);
        var status = (int)response.StatusCode;
        var etag = response.Headers.NonValidated.TryGetValues("ETag", out var etags) ? etags.ToString() : null;
        if (status == 204)
        {
            return new PointResponse(status, etag, null, null);
        }

        PooledBuffer? buffer = new((int)Math.Clamp(response.Content.Headers.ContentLength ?? 4096, 256, 8 * 1024 * 1024));
        try
        {
            await buffer.ReadFromAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);
            if (status is >= 200 and < 300)
            {
                var answer = buffer;
                buffer = null; // the caller owns (and disposes) the answer
                return new PointResponse(status, etag, null, answer);
            }

            var code = response.Headers.NonValidated.TryGetValues("x-ms-error-code", out var codes) ? codes.ToString() : ErrorCodeOf(buffer.WrittenSpan);
            return new PointResponse(status, etag, code, null);
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    private async ValueTask AuthorizeAsync(System.Net.Http.Headers.HttpRequestHeaders headers, string resource, CancellationToken cancellationToken)
    {
        if (_account.Key is { } key)
        {
            var date = CurrentDate();
            headers.TryAddWithoutValidation("x-ms-date", date);
            headers.TryAddWithoutValidation("Authorization", SignSharedKeyLite(_account.Name!, key, date, resource));
        }
        else if (_account.Credential is { } credential)
        {
            headers.TryAddWithoutValidation("x-ms-date", CurrentDate());
            headers.TryAddWithoutValidation("Authorization", await BearerAsync(credential, cancellationToken));
        }
        else
        {
            headers.TryAddWithoutValidation("x-ms-date", CurrentDate());
        }
    }

    /// <summary>The RFC 1123 date, formatted once per second rather than per request.</summary>
    private string CurrentDate()
    {
        var now = DateTimeOffset.UtcNow;
        var seconds = now.ToUnixTimeSeconds();
        var cached = _date;
        if (cached is not null && cached.Seconds == seconds)
        {
            return cached.Value;
        }

        var fresh = new DateHeader(seconds, now.ToString("R", CultureInfo.InvariantCulture));
        _date = fresh;
        return fresh.Value;
    }

    /// <summary>A bearer token for Table storage, fetched again five minutes before it expires.</summary>
    private async ValueTask<string> BearerAsync(TokenCredential credential, CancellationToken cancellationToken)
    {
        var cached = _token;
        if (cached is not null && cached.RefreshAt > DateTimeOffset.UtcNow)
        {
            return cached.Header;
        }

        // No lock: near expiry a few requests may ask at once, and the credential answers them from its own cache.
        var token = await credential.GetTokenAsync(new TokenRequestContext(StorageScope), cancellationToken);
        cached = new TokenHeader("Bearer " + token.Token, token.ExpiresOn - TimeSpan.FromMinutes(5));
        _token = cached;
        return cached.Header;
    }

    /// <summary>"(PartitionKey='pk',RowKey='rk')" with quotes doubled (OData) and the keys escaped for the URI.</summary>
    private static string EntityPath(string partitionKey, string rowKey) =>
        "(PartitionKey='" + Uri.EscapeDataString(partitionKey.Replace("'", "''", StringComparison.Ordinal))
        + "',RowKey='" + Uri.EscapeDataString(rowKey.Replace("'", "''", StringComparison.Ordinal)) + "')";

    /// <summary>The Table service's error code from an OData error body (<c>{"odata.error":{"code":"..."}}</c>).</summary>
    private static string? ErrorCodeOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("code"u8) && reader.Read()
                    && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static RequestFailedException Failed(PointResponse response) =>
        new(response.Status, $"Table storage answered {response.Status} ({response.ErrorCode ?? "no error code"}).", response.ErrorCode, null);

    private sealed record DateHeader(long Seconds, string Value);

    private sealed record TokenHeader(string Header, DateTimeOffset RefreshAt);

    private readonly record struct PointResponse(int Status, string? ETag, string? ErrorCode, PooledBuffer? Body);
}

/// <summary>An entity's JSON in a pooled buffer (dispose when parsed) and its ETag.</summary>
internal sealed class PointRead(PooledBuffer body, string? etag) : IDisposable
{
    public ReadOnlySpan<byte> Json => body.WrittenSpan;

    public string? ETag => etag;

    public void Dispose() => body.Dispose();
}
