using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// The purge's index: beside each mailbox, one row keyed <c>~due~{yyyyMMddHHmmssfffffff}~{id}</c>, so what is due is one
/// RowKey range per shard; written only in the transaction of the mailbox change that sets its due time
/// (docs/design.md, "The purge's index").
/// </summary>
internal static class DueIndex
{
    /// <summary>What the purge does when the row is due.</summary>
    public enum Step
    {
        /// <summary>The mailbox's lifetime ended: it becomes (or stays) a tombstone, and its row moves to the retention's end.</summary>
        Retire,

        /// <summary>The tombstone's retention ended: it and its row go.</summary>
        Remove,
    }

    public const string Prefix = "~due~";

    private const string Separator = "~";
    private const string StepProperty = "Step";
    private const string TimeFormat = "yyyyMMddHHmmssfffffff";

    /// <summary>What the purge reads of a due row: its keys, its step and the mailbox's expiry (never the mailbox).</summary>
    public static readonly string[] Selection = ["PartitionKey", "RowKey", StepProperty, MailboxEntity.ExpiresAt];

    public static string RowKey(DateTimeOffset due, string mailboxId) =>
        Prefix + due.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + Separator + mailboxId;

    /// <summary>Every row due by <paramref name="now"/> of one shard: a RowKey range, nothing else.</summary>
    public static string DueBy(string shard, DateTimeOffset now) =>
        $"PartitionKey eq '{shard}' and RowKey ge '{Prefix}' and RowKey lt '{Prefix}{now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}{Separator}{Separator}'";

    /// <summary>Whether a RowKey is an index row rather than a mailbox.</summary>
    public static bool IsIndexRow(string rowKey) => rowKey.StartsWith(Prefix, StringComparison.Ordinal);

    public static TableEntity Row(string partition, DateTimeOffset due, string mailboxId, Step step, DateTimeOffset expiresAt) =>
        new(partition, RowKey(due, mailboxId))
        {
            [MailboxEntity.FormatVersion] = MailboxEntity.CurrentFormat,
            [StepProperty] = step == Step.Remove ? "Remove" : "Retire",
            [MailboxEntity.ExpiresAt] = expiresAt,
        };

    /// <summary>The mailbox a row stands for (the RowKey's last part), its step and the mailbox's expiry.</summary>
    public static (string MailboxId, Step Step, DateTimeOffset ExpiresAt) Read(TableEntity row) =>
        (row.RowKey[(row.RowKey.LastIndexOf('~') + 1)..],
         row.GetString(StepProperty) == "Remove" ? Step.Remove : Step.Retire,
         row.GetDateTimeOffset(MailboxEntity.ExpiresAt) ?? throw new InvalidDataException("Due-index row has no ExpiresAt."));

    /// <summary>The new row goes in with the mailbox it stands for: an insert, so it can never overwrite another.</summary>
    public static TableTransactionAction Add(TableEntity row) => new(TableTransactionActionType.Add, row, ETag.All);

    /// <summary>A row the purge read goes only if it is still the one read (its ETag): a second purge run loses.</summary>
    public static TableTransactionAction Delete(TableEntity row) => new(TableTransactionActionType.Delete, row, row.ETag);
}
