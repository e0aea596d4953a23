using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ScTransfer.Bench;

/// <summary>One storage request attempt as the client's pipeline sent it and what came back.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The percent-decoded path (a point operation names its keys here; a query ends in <c>()</c>).</param>
/// <param name="Filter">The decoded <c>$filter</c> of a query; null otherwise.</param>
/// <param name="Continuation">Whether it asked for a later page of a query (NextPartitionKey, NextRowKey).</param>
/// <param name="EntityOperations">1, or the operations inside an entity-group transaction.</param>
/// <param name="Returned">Entities a query's answer returned; 0 for anything else.</param>
internal sealed record StorageRequestRecord(string Method, string Path, string? Filter, bool Continuation, int EntityOperations, int Returned)
{
    /// <summary>A query: a GET that names no single entity.</summary>
    public bool IsQuery => Method == "GET" && !Path.Contains("(PartitionKey=", StringComparison.Ordinal);
}

/// <summary>
/// Records every storage request attempt of one client (retries included), in the order sent: what the purge actually
/// asked Table storage for, so that what storage must read to answer it can be computed by Azure's rules
/// (<see cref="AzureTableRules"/>) rather than timed on an emulator.
/// </summary>
internal sealed class StorageRequestLog : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<StorageRequestRecord> _records = new();

    public IReadOnlyCollection<StorageRequestRecord> Records => _records;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var operations = StorageRequestCounter.EntityOperationsOf(message);
        ProcessNext(message, pipeline);
        Record(message, operations);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var operations = StorageRequestCounter.EntityOperationsOf(message);
        await ProcessNextAsync(message, pipeline);
        Record(message, operations);
    }

    private void Record(HttpMessage message, int operations)
    {
        var uri = message.Request.Uri.ToUri();
        var parameters = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "", StringComparer.OrdinalIgnoreCase);
        var record = new StorageRequestRecord(
            message.Request.Method.Method,
            Uri.UnescapeDataString(uri.AbsolutePath),
            parameters.GetValueOrDefault("$filter"),
            parameters.ContainsKey("NextPartitionKey") || parameters.ContainsKey("NextRowKey"),
            operations,
            0);
        _records.Enqueue(record.IsQuery ? record with { Returned = ReturnedEntities(message) } : record);
    }

    /// <summary>The length of a query answer's <c>value</c> array, read from the body Azure.Core buffered (then rewound).</summary>
    private static int ReturnedEntities(HttpMessage message)
    {
        if (!message.HasResponse || message.Response.Status != 200 || message.Response.ContentStream is not { CanSeek: true } body)
        {
            return 0;
        }

        body.Position = 0;
        try
        {
            using var answer = JsonDocument.Parse(body);
            return answer.RootElement.TryGetProperty("value", out var value) ? value.GetArrayLength() : 0;
        }
        finally
        {
            body.Position = 0;
        }
    }
}
