using System.Globalization;
using Azure.Data.Tables;

namespace ScTransfer.Testing;

/// <summary>
/// Reads a mailbox table whole and checks that mailboxes and the purge's due-time index agree (docs/design.md, "The
/// purge's index"): every mailbox has exactly one index row in its partition, keyed <c>~due~{PurgeAt}~{id}</c>, whose
/// step is Retire for a live mailbox (due at its expiry) and Remove for a tombstone; every index row has its mailbox.
/// The format is written out here independently of the relay's code, so a drift in either shows.
/// </summary>
public static class DueIndexAudit
{
    private const string Prefix = "~due~";

    /// <summary>What the table holds: mailboxes (live and tombstones) and index rows, and every disagreement.</summary>
    public sealed record Result(int Mailboxes, int Tombstones, int IndexRows, IReadOnlyList<string> Violations);

    public static async Task<Result> AuditAsync(TableClient table)
    {
        var mailboxes = new Dictionary<(string Partition, string Id), TableEntity>();
        var rows = new Dictionary<(string Partition, string Id), List<TableEntity>>();
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Kind", "PurgeAt", "ExpiresAt", "Step"]))
        {
            if (entity.RowKey.StartsWith(Prefix, StringComparison.Ordinal))
            {
                var id = entity.RowKey[(entity.RowKey.LastIndexOf('~') + 1)..];
                rows.TryAdd((entity.PartitionKey, id), []);
                rows[(entity.PartitionKey, id)].Add(entity);
            }
            else
            {
                mailboxes[(entity.PartitionKey, entity.RowKey)] = entity;
            }
        }

        var violations = new List<string>();
        foreach (var (key, mailbox) in mailboxes)
        {
            var tombstone = mailbox.GetString("Kind") == "T";
            var purgeAt = mailbox.GetDateTimeOffset("PurgeAt");
            if (!rows.TryGetValue(key, out var own) || own.Count != 1)
            {
                violations.Add($"mailbox {key.Id} has {(own?.Count ?? 0)} index rows");
                continue;
            }

            var row = own[0];
            var expected = Prefix + purgeAt?.UtcDateTime.ToString("yyyyMMddHHmmssfffffff", CultureInfo.InvariantCulture) + "~" + key.Id;
            if (row.RowKey != expected)
            {
                violations.Add($"mailbox {key.Id}: index row {row.RowKey}, expected {expected}");
            }

            if (row.GetString("Step") != (tombstone ? "Remove" : "Retire"))
            {
                violations.Add($"mailbox {key.Id} ({(tombstone ? "tombstone" : "live")}): index step {row.GetString("Step")}");
            }

            if (!tombstone && purgeAt != mailbox.GetDateTimeOffset("ExpiresAt"))
            {
                violations.Add($"live mailbox {key.Id} is due at {purgeAt:O}, not at its expiry");
            }
        }

        violations.AddRange(rows.Keys.Where(key => !mailboxes.ContainsKey(key)).Select(key => $"index row without its mailbox: {key.Id}"));
        return new Result(
            mailboxes.Count, mailboxes.Values.Count(m => m.GetString("Kind") == "T"), rows.Values.Sum(r => r.Count), violations);
    }

    /// <summary>Audits and fails the test on any disagreement; returns what the table holds.</summary>
    public static async Task<Result> AssertConsistentAsync(TableClient table)
    {
        var result = await AuditAsync(table);
        Xunit.Assert.True(result.Violations.Count == 0, "mailboxes and their index disagree:\n" + string.Join("\n", result.Violations.Take(20)));
        return result;
    }
}
