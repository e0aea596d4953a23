using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// The push outbox's rows: one per pending push, in its mailbox's partition, keyed by when its next attempt is due
/// (<c>~push~{yyyyMMddHHmmssfffffff}~{id}~{S|R}</c>; <c>~</c> sorts after every identifier, <c>push</c> after the purge's
/// <c>due</c>), so the retry timer finds what is due with one RowKey range per shard, as the purge does
/// (<see cref="DueIndex"/>). A row is written in the same entity-group transaction as the update that owes the push.
/// </summary>
internal static class PushRecords
{
    public const string Prefix = "~push~";

    private const string TimeFormat = "yyyyMMddHHmmssfffffff";
    private const string RecipientProperty = "Recipient";
    private const string ClaimHashProperty = "ClaimHash";
    private const string SinceProperty = "Since";
    private const string AttemptsProperty = "Attempts";

    public static readonly string[] Selection = ["PartitionKey", "RowKey", RecipientProperty, ClaimHashProperty, SinceProperty, AttemptsProperty];

    public static string RowKey(PendingPush push) =>
        Prefix + push.DueAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "~" + push.MailboxId + "~"
        + (push.Recipient == MailboxRole.Sender ? "S" : "R");

    /// <summary>Every row of one shard whose attempt is due by <paramref name="now"/>: a RowKey range, nothing else.</summary>
    public static string DueBy(string shard, DateTimeOffset now) =>
        $"PartitionKey eq '{shard}' and RowKey ge '{Prefix}' and RowKey lt '{Prefix}{now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}~~'";

    public static TableEntity Row(string partition, PendingPush push) => new(partition, RowKey(push))
    {
        [MailboxEntity.FormatVersion] = MailboxEntity.CurrentFormat,
        [RecipientProperty] = push.Recipient == MailboxRole.Sender ? "S" : "R",
        [ClaimHashProperty] = push.RecipientClaimHash,
        [SinceProperty] = push.Since,
        [AttemptsProperty] = push.Attempts,
    };

    /// <summary>A row as the retry timer read it; its version is the row's ETag.</summary>
    public static PendingPush Read(TableEntity row)
    {
        // ~push~{time}~{id}~{S|R}: the time is fixed width, the id 36 characters.
        var key = row.RowKey;
        var time = DateTime.ParseExact(key.AsSpan(Prefix.Length, TimeFormat.Length), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var id = Guid.ParseExact(key.AsSpan(Prefix.Length + TimeFormat.Length + 1, 36), "D");
        return new PendingPush(
            new MailboxId(id),
            row.GetString(RecipientProperty) == "S" ? MailboxRole.Sender : MailboxRole.Receiver,
            row.GetBinary(ClaimHashProperty) ?? [],
            row.GetDateTimeOffset(SinceProperty) ?? time,
            row.GetInt32(AttemptsProperty) ?? 0,
            new DateTimeOffset(time, TimeSpan.Zero))
        {
            Version = new TableVersion(row.ETag),
        };
    }

    /// <summary>
    /// The update's row: an upsert, so that two updates owing the same recipient a push at the very same instant make one
    /// row (one wake-up is what both owe).
    /// </summary>
    public static TableTransactionAction Record(string partition, PendingPush push) =>
        new(TableTransactionActionType.UpsertReplace, Row(partition, push));

    /// <summary>A row goes only if it is still the one read (its ETag): an attempt that another instance settled meanwhile loses.</summary>
    public static TableTransactionAction Delete(string partition, PendingPush push) =>
        new(TableTransactionActionType.Delete, new TableEntity(partition, RowKey(push)), VersionOf(push));

    /// <summary>
    /// The row's ETag; any version when the update that wrote it never heard back (its answer came late and the storage
    /// client's retry met it): the row is that update's own.
    /// </summary>
    public static ETag VersionOf(PendingPush push) => push.Version is null ? ETag.All : TableVersion.Of(push.Version);
}
