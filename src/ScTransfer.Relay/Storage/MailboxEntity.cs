using System.Globalization;
using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// The one Table entity a mailbox is stored as, mapped to and from Azure.Data.Tables' <see cref="TableEntity"/>.
/// Property names are the storage format: change with care. An optional property that a merge must clear is written
/// empty (a merge cannot remove a property): an empty binary or string, or <see cref="Cleared"/> for a time, reads as
/// absent.
/// </summary>
internal static class MailboxEntity
{
    /// <summary>
    /// The storage format written by this code (<see cref="FormatVersion"/>): 3 = keyed shards, tombstones, and a due-time
    /// index row beside each mailbox (<see cref="DueIndex"/>); 2 (unkeyed shards, a filter on PurgeAt) was never deployed.
    /// </summary>
    public const int CurrentFormat = 3;

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

    /// <summary>Binary properties hold at most 64 KiB each: larger payloads are split across Payload0..PayloadN.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>A time a merge clears (the epoch: no push is that old); reads as absent.</summary>
    private static readonly DateTimeOffset Cleared = DateTimeOffset.UnixEpoch;

    /// <summary>Payload0..Payload15: a 1 MiB entity holds at most 16 chunks of 64 KiB.</summary>
    private static readonly string[] ChunkNames = [.. Enumerable.Range(0, 16).Select(i => PayloadChunk + i.ToString(CultureInfo.InvariantCulture))];

    private static readonly string[] AccessProperties =
    [
        Kind, ExpiresAt, OperationId, SenderClaimHash, ReceiverClaimHash, AccessRights,
        SenderLastCorrelation, ReceiverLastCorrelation, RelinquishedClaimHash, RelinquishedCorrelation,
    ];

    private static readonly string[] DisplayProperties = [Kind, ExpiresAt, DisplayInformation];

    private static readonly string[] PushProperties =
        [Kind, ExpiresAt, SenderClaimHash, ReceiverClaimHash, SenderTokenType, SenderTokenData, ReceiverTokenType, ReceiverTokenData];

    /// <summary>Everything a replace writes back, except the payload's chunks (which a replace writes anew).</summary>
    private static readonly string[] AllButPayload =
    [
        .. AccessProperties, CreatedAt, DisplayInformation, PayloadType, PayloadLength, PushCount,
        SenderTokenType, SenderTokenData, ReceiverTokenType, ReceiverTokenData, SenderLastPushAt, ReceiverLastPushAt,
    ];

    /// <summary>The <c>$select</c> of a point read in this view; null for the whole entity.</summary>
    public static IReadOnlyList<string>? Selection(MailboxView view) => view switch
    {
        MailboxView.Full => null,
        MailboxView.WithoutPayload => AllButPayload,
        MailboxView.Display => DisplayProperties,
        MailboxView.Access => AccessProperties,
        MailboxView.Push => PushProperties,
        _ => throw new ArgumentOutOfRangeException(nameof(view)),
    };

    /// <summary>The whole mailbox as one entity: what an insert or a replace sends.</summary>
    public static TableEntity Whole(string partition, Mailbox mailbox)
    {
        var payload = mailbox.Payload ?? throw new InvalidOperationException("A whole mailbox needs its payload.");
        var entity = new TableEntity(partition, mailbox.Id.ToString())
        {
            [FormatVersion] = CurrentFormat,
            [Kind] = LiveKind,
            [PurgeAt] = mailbox.ExpiresAt, // its due-index row's time: the purge turns it into a tombstone once expired
            [OperationId] = mailbox.OperationId,
            [SenderClaimHash] = mailbox.SenderClaimHash ?? throw new InvalidOperationException("A whole mailbox needs its sender's claim hash."),
            [AccessRights] = AccessRightsFormat.Format(mailbox.AccessRights),
            [CreatedAt] = mailbox.CreatedAt,
            [ExpiresAt] = mailbox.ExpiresAt,
            [DisplayInformation] = mailbox.DisplayInformationJson ?? throw new InvalidOperationException("A whole mailbox needs its display information."),
            [PayloadType] = payload.Type,
            [PayloadLength] = payload.Data.Length,
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
        if (mailbox.SenderLastPushAt is { } senderPush)
        {
            entity[SenderLastPushAt] = senderPush;
        }

        if (mailbox.ReceiverLastPushAt is { } receiverPush)
        {
            entity[ReceiverLastPushAt] = receiverPush;
        }

        // Binary properties hold at most 64 KiB each: Payload0..PayloadN. A payload of one chunk is stored as it is.
        var data = payload.Data;
        if (data.Length <= ChunkSize)
        {
            entity[ChunkNames[0]] = data;
        }
        else
        {
            for (int offset = 0, index = 0; offset < data.Length; offset += ChunkSize, index++)
            {
                entity[ChunkName(index)] = data.AsSpan(offset, Math.Min(ChunkSize, data.Length - offset)).ToArray();
            }
        }

        return entity;
    }

    /// <summary>
    /// The receiver's part of the mailbox, as a merge sends it: its claim hash, token, last Correlation-ID and last
    /// push, the record of a relinquish, and the write's id. A bind sets the claim hash (and forgets an old relinquish);
    /// a relinquish clears the receiver's properties and records itself. Nothing else travels, the payload least of all.
    /// </summary>
    public static TableEntity ReceiverPart(string partition, Mailbox mailbox) => new(partition, mailbox.Id.ToString())
    {
        [OperationId] = mailbox.OperationId,
        [ReceiverClaimHash] = mailbox.ReceiverClaimHash ?? [],
        [ReceiverTokenType] = mailbox.ReceiverToken?.Type ?? "",
        [ReceiverTokenData] = mailbox.ReceiverToken?.Sealed ?? [],
        [ReceiverLastCorrelation] = mailbox.ReceiverLastCorrelation ?? [],
        [ReceiverLastPushAt] = mailbox.ReceiverLastPushAt ?? Cleared,
        [RelinquishedClaimHash] = mailbox.RelinquishedClaimHash ?? [],
        [RelinquishedCorrelation] = mailbox.RelinquishedCorrelation ?? [],
    };

    /// <summary>
    /// A tombstone: the identifier (the keys), the original expiry, the marker, the due time of its index row and the
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

    /// <summary>
    /// A mailbox (or its tombstone) from a point read in <paramref name="view"/>. The payload's chunks are the arrays the
    /// SDK decoded; a one-chunk payload is used as it is, without a copy.
    /// </summary>
    public static Mailbox Read(MailboxId id, TableEntity entity, MailboxView view)
    {
        var expiresAt = entity.GetDateTimeOffset(ExpiresAt) ?? throw new InvalidDataException("Mailbox entity has no ExpiresAt.");
        var operationId = entity.GetGuid(OperationId) ?? Guid.Empty;
        var version = new TableVersion(entity.ETag);
        if (entity.GetString(Kind) == TombstoneKind)
        {
            return Mailbox.Tombstone(id, expiresAt, operationId, version);
        }

        return new Mailbox
        {
            Id = id,
            View = view,
            SenderClaimHash = Binary(entity, SenderClaimHash),
            ReceiverClaimHash = Binary(entity, ReceiverClaimHash),
            AccessRights = AccessRightsFormat.TryParse(entity.GetString(AccessRights) ?? "", out var rights) ? rights : Protocol.AccessRights.None,
            CreatedAt = entity.GetDateTimeOffset(CreatedAt) ?? default,
            ExpiresAt = expiresAt,
            DisplayInformationJson = entity.GetString(DisplayInformation),
            Payload = view == MailboxView.Full ? Payload(entity) : null,
            SenderToken = Token(entity, SenderTokenType, SenderTokenData),
            ReceiverToken = Token(entity, ReceiverTokenType, ReceiverTokenData),
            SenderLastCorrelation = Binary(entity, SenderLastCorrelation),
            ReceiverLastCorrelation = Binary(entity, ReceiverLastCorrelation),
            RelinquishedClaimHash = Binary(entity, RelinquishedClaimHash),
            RelinquishedCorrelation = Binary(entity, RelinquishedCorrelation),
            PushCount = entity.GetInt32(PushCount) ?? 0,
            SenderLastPushAt = Time(entity, SenderLastPushAt),
            ReceiverLastPushAt = Time(entity, ReceiverLastPushAt),
            OperationId = operationId,
            Version = version,
        };
    }

    private static SecurePayload Payload(TableEntity entity)
    {
        var type = entity.GetString(PayloadType) ?? throw new InvalidDataException("Mailbox entity has no PayloadType.");
        var length = entity.GetInt32(PayloadLength) ?? 0;
        var first = entity.GetBinary(ChunkNames[0]);
        if (length == 0)
        {
            return new SecurePayload(type, []);
        }

        if (first is not null && first.Length == length)
        {
            return new SecurePayload(type, first); // one chunk: the decoded array, not a second copy
        }

        var data = new byte[length];
        var offset = 0;
        for (var index = 0; offset < length; index++)
        {
            var chunk = entity.GetBinary(ChunkName(index));
            if (chunk is null || offset + chunk.Length > length)
            {
                throw new InvalidDataException($"Mailbox entity is missing payload chunk {index}.");
            }

            chunk.CopyTo(data.AsSpan(offset));
            offset += chunk.Length;
        }

        return new SecurePayload(type, data);
    }

    private static string ChunkName(int index) => index < ChunkNames.Length ? ChunkNames[index] : PayloadChunk + index.ToString(CultureInfo.InvariantCulture);

    private static byte[]? Binary(TableEntity entity, string name) => entity.GetBinary(name) is { Length: > 0 } value ? value : null;

    private static DateTimeOffset? Time(TableEntity entity, string name) => entity.GetDateTimeOffset(name) is { } time && time > Cleared ? time : null;

    private static SealedToken? Token(TableEntity entity, string typeName, string dataName) =>
        entity.GetString(typeName) is { Length: > 0 } type && Binary(entity, dataName) is { } data ? new SealedToken(type, data) : null;

    private static void SetIfPresent(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
