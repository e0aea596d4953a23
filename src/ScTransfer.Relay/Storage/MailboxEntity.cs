using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

/// <summary>The one Table entity a mailbox is stored as. Property names are the storage format: change with care.</summary>
internal static class MailboxEntity
{
    /// <summary>The storage format written by this code (<see cref="FormatVersion"/>): 2 = sharded, tombstones, PurgeAt.</summary>
    public const int CurrentFormat = 2;

    public const string FormatVersion = "V";
    public const string Kind = "Kind";
    public const string LiveKind = "L";
    public const string TombstoneKind = "T";
    public const string PurgeAt = "PurgeAt";
    public const string OperationId = "OpId";
    public const string SenderClaimHash = "SenderClaimHash";
    public const string ReceiverClaimHash = "ReceiverClaimHash";
    public const string AccessRights = "AccessRights";
    public const string CreatedAt = "CreatedAt";
    public const string ExpiresAt = "ExpiresAt";
    public const string DisplayInformation = "DisplayInformation";
    public const string PayloadType = "PayloadType";
    public const string PayloadLength = "PayloadLength";
    public const string PayloadChunk = "Payload"; // Payload0, Payload1, ...
    public const string SenderTokenType = "SenderTokenType";
    public const string SenderTokenData = "SenderTokenData";
    public const string ReceiverTokenType = "ReceiverTokenType";
    public const string ReceiverTokenData = "ReceiverTokenData";
    public const string SenderLastCorrelation = "SenderLastCorrelationHash";
    public const string ReceiverLastCorrelation = "ReceiverLastCorrelationHash";
    public const string RelinquishedClaimHash = "RelinquishedClaimHash";
    public const string RelinquishedCorrelation = "RelinquishedCorrelationHash";
    public const string PushCount = "PushCount";
    public const string SenderLastPushAt = "SenderLastPushAt";
    public const string ReceiverLastPushAt = "ReceiverLastPushAt";

    /// <summary>The only properties the purge reads: never the payload.</summary>
    public static readonly string[] PurgeSelection = ["PartitionKey", "RowKey", Kind, ExpiresAt];

    public static TableEntity FromMailbox(string partition, Mailbox mailbox)
    {
        var entity = new TableEntity(partition, mailbox.Id.ToString())
        {
            [FormatVersion] = CurrentFormat,
            [Kind] = LiveKind,
            [PurgeAt] = mailbox.ExpiresAt, // the purge turns it into a tombstone once expired
            [OperationId] = mailbox.OperationId,
            [SenderClaimHash] = mailbox.SenderClaimHash,
            [AccessRights] = AccessRightsFormat.Format(mailbox.AccessRights),
            [CreatedAt] = mailbox.CreatedAt,
            [ExpiresAt] = mailbox.ExpiresAt,
            [DisplayInformation] = mailbox.DisplayInformationJson,
            [PayloadType] = mailbox.Payload.Type,
            [PayloadLength] = mailbox.Payload.Data.Length,
            [PushCount] = mailbox.PushCount,
        };
        SetIfPresent(entity, ReceiverClaimHash, mailbox.ReceiverClaimHash);
        SetIfPresent(entity, SenderTokenType, mailbox.SenderToken?.Type);
        SetIfPresent(entity, SenderTokenData, mailbox.SenderToken?.Sealed);
        SetIfPresent(entity, ReceiverTokenType, mailbox.ReceiverToken?.Type);
        SetIfPresent(entity, ReceiverTokenData, mailbox.ReceiverToken?.Sealed);
        SetIfPresent(entity, SenderLastCorrelation, mailbox.SenderLastCorrelation);
        SetIfPresent(entity, ReceiverLastCorrelation, mailbox.ReceiverLastCorrelation);
        SetIfPresent(entity, RelinquishedClaimHash, mailbox.RelinquishedClaimHash);
        SetIfPresent(entity, RelinquishedCorrelation, mailbox.RelinquishedCorrelation);
        SetIfPresent(entity, SenderLastPushAt, mailbox.SenderLastPushAt);
        SetIfPresent(entity, ReceiverLastPushAt, mailbox.ReceiverLastPushAt);

        var data = mailbox.Payload.Data;
        if (data.Length is > 0 and <= MailboxStore.ChunkSize)
        {
            entity[PayloadChunk + "0"] = data; // one chunk: the payload itself (never changed in place), not a copy
            return entity;
        }

        for (int offset = 0, index = 0; offset < data.Length; offset += MailboxStore.ChunkSize, index++)
        {
            entity[PayloadChunk + index] = data.AsSpan(offset, Math.Min(MailboxStore.ChunkSize, data.Length - offset)).ToArray();
        }

        return entity;
    }

    /// <summary>
    /// A tombstone: the identifier (the keys), the original expiry, the marker, when the purge may remove it and the
    /// id of the write that made it. Nothing else: no claim hash, token, Correlation-ID, payload or display information.
    /// </summary>
    public static TableEntity Tombstone(string partition, string rowKey, DateTimeOffset expiresAt, DateTimeOffset purgeAt, Guid operationId) =>
        new(partition, rowKey)
        {
            [FormatVersion] = CurrentFormat,
            [Kind] = TombstoneKind,
            [PurgeAt] = purgeAt,
            [OperationId] = operationId,
            [ExpiresAt] = expiresAt,
        };

    public static bool IsTombstone(TableEntity entity) => entity.GetString(Kind) == TombstoneKind;

    public static Mailbox ToMailbox(MailboxId id, TableEntity entity)
    {
        var operationId = entity.GetGuid(OperationId) ?? Guid.Empty;
        var expiresAt = entity.GetDateTimeOffset(ExpiresAt)!.Value;
        if (IsTombstone(entity))
        {
            return Mailbox.Tombstone(id, expiresAt, operationId, entity.ETag.ToString());
        }

        var length = entity.GetInt32(PayloadLength) ?? 0;
        var first = length > 0 ? entity.GetBinary(PayloadChunk + "0") : null;
        var data = first is not null && first.Length == length ? first : new byte[length]; // one chunk: the decoded array, not a second copy
        for (int offset = data == first ? length : 0, index = 0; offset < length; index++)
        {
            var chunk = entity.GetBinary(PayloadChunk + index)
                ?? throw new InvalidDataException($"Mailbox entity is missing payload chunk {index}.");
            chunk.CopyTo(data.AsSpan(offset));
            offset += chunk.Length;
        }

        return new Mailbox
        {
            Id = id,
            SenderClaimHash = entity.GetBinary(SenderClaimHash)!,
            ReceiverClaimHash = entity.GetBinary(ReceiverClaimHash),
            AccessRights = AccessRightsFormat.TryParse(entity.GetString(AccessRights) ?? "", out var rights) ? rights : Protocol.AccessRights.None,
            CreatedAt = entity.GetDateTimeOffset(CreatedAt)!.Value,
            ExpiresAt = expiresAt,
            DisplayInformationJson = entity.GetString(DisplayInformation)!,
            Payload = new SecurePayload(entity.GetString(PayloadType)!, data),
            SenderToken = Token(entity, SenderTokenType, SenderTokenData),
            ReceiverToken = Token(entity, ReceiverTokenType, ReceiverTokenData),
            SenderLastCorrelation = entity.GetBinary(SenderLastCorrelation),
            ReceiverLastCorrelation = entity.GetBinary(ReceiverLastCorrelation),
            RelinquishedClaimHash = entity.GetBinary(RelinquishedClaimHash),
            RelinquishedCorrelation = entity.GetBinary(RelinquishedCorrelation),
            PushCount = entity.GetInt32(PushCount) ?? 0,
            SenderLastPushAt = entity.GetDateTimeOffset(SenderLastPushAt),
            ReceiverLastPushAt = entity.GetDateTimeOffset(ReceiverLastPushAt),
            OperationId = operationId,
            Version = entity.ETag.ToString(),
        };
    }

    private static SealedToken? Token(TableEntity entity, string type, string data) =>
        entity.GetString(type) is { } t && entity.GetBinary(data) is { } d ? new SealedToken(t, d) : null;

    private static void SetIfPresent(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
