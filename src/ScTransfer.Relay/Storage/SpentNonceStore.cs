using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Privacy Pass's spent tokens: keyed hashes of their nonces, one table per challenge window (<c>{prefix}{window}</c>).
/// Spending is ONE point insert: a 409 means the nonce was spent already. A window's table is needed only while that
/// window's challenge is accepted (it and the next window); the purge then deletes the table whole, so its cost depends
/// on the number of windows that passed, never on how many tokens were spent or are live. PartitionKey is the hash's
/// first byte, so one window's inserts spread over 256 partitions.
/// </summary>
public sealed partial class SpentNonceStore(TableServiceClient service, PrivacyPassPolicy policy, ILogger<SpentNonceStore> logger)
{
    private const int WindowDigits = 10;

    /// <summary>An outage or throttling becomes <see cref="StorageUnavailableException"/> (503): a token is never accepted unchecked.</summary>
    private readonly StorageOutage _outage = new(
        "Table storage is unavailable; the token could not be checked. Retry later.",
        (type, status, failures) => LogUnavailable(logger, type, status, failures));
    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);
    private readonly string _prefix = policy.Options.NonceTablePrefix.ToLowerInvariant();

    public string TableFor(long window) => _prefix + window.ToString("D" + WindowDigits, CultureInfo.InvariantCulture);

    /// <summary>Records the nonce hash; false when it was recorded before (a double spend).</summary>
    public async Task<bool> TrySpendAsync(long window, byte[] nonceHash, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var hex = Convert.ToHexStringLower(nonceHash);
        var entity = new TableEntity(hex[..2], hex[2..]) { ["ExpiresAt"] = expiresAt };
        // One client per window's table for the process (a window lasts an hour by default), dropped with its table.
        var table = _tables.GetOrAdd(TableFor(window), service.GetTableClient);
        try
        {
            await _outage.GuardAsync(async () =>
            {
                try
                {
                    return await table.AddEntityAsync(entity, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.ErrorCode == "TableNotFound")
                {
                    // The first spend of a window (on this table) creates it: one extra call per window, not per token.
                    await table.CreateIfNotExistsAsync(cancellationToken);
                    return await table.AddEntityAsync(entity, cancellationToken);
                }
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // EntityAlreadyExists: spent. (TableBeingDeleted, also 409, means the window has closed: refused as well.)
            return false;
        }
    }

    /// <summary>
    /// Deletes the tables of windows whose challenges are no longer accepted (every window before the previous one):
    /// one table listing that returns only those, and one table delete per passed window, whatever the number of tokens.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var currentWindow = policy.WindowAt(now);
        var stale = new List<string>();
        await _outage.GuardAsync(async () =>
        {
            // Table names compare as strings and the window is fixed-width: "{prefix}" ≤ name < the previous window's name
            // lists exactly the tables of closed windows, a range of the table listing's key, never the live ones.
            var filter = $"TableName ge '{_prefix}' and TableName lt '{TableFor(currentWindow - 1)}'";
            await foreach (var table in service.QueryAsync(filter, cancellationToken: cancellationToken))
            {
                var suffix = table.Name[_prefix.Length..];
                if (suffix.Length == WindowDigits
                    && long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var window)
                    && window < currentWindow - 1)
                {
                    stale.Add(table.Name);
                }
            }

            return stale;
        }, cancellationToken);

        foreach (var name in stale)
        {
            await _outage.GuardAsync(() => service.DeleteTableAsync(name, cancellationToken), cancellationToken);
            _tables.TryRemove(name, out _);
        }

        if (stale.Count > 0)
        {
            LogPurged(logger, stale.Count);
        }

        return stale.Count;
    }

    [LoggerMessage(EventId = EventIds.SpentTokenTablesPurged, Level = LogLevel.Information, Message = "Purge: {Tables} spent-token tables of closed challenge windows deleted.")]
    private static partial void LogPurged(ILogger logger, int tables);

    [LoggerMessage(EventId = EventIds.SpentTokenTableUnavailable, Level = LogLevel.Warning, Message = "Spent-token table unavailable: {ErrorType} {Status} ({Failures} failure(s) since the last such line; at most one a minute).")]
    private static partial void LogUnavailable(ILogger logger, string errorType, int? status, long failures);
}
