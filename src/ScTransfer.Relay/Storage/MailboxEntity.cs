using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

/// <summary>The one Table entity a mailbox is stored as. Property names are the storage format: change with care.</summary>
internal static class MailboxEntity
{
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
    public const string SenderLastCorrelationId = "SenderLastCorrelationId";
    public const string ReceiverLastCorrelationId = "ReceiverLastCorrelationId";
    public const string RelinquishedClaimHash = "RelinquishedClaimHash";
    public const string RelinquishedCorrelationId = "RelinquishedCorrelationId";

    public static TableEntity FromMailbox(Mailbox mailbox)
    {
        var entity = new TableEntity(mailbox.Id.ToString(), "")
        {
            [SenderClaimHash] = mailbox.SenderClaimHash,
            [AccessRights] = AccessRightsFormat.Format(mailbox.AccessRights),
            [CreatedAt] = mailbox.CreatedAt,
            [ExpiresAt] = mailbox.ExpiresAt,
            [DisplayInformation] = mailbox.DisplayInformationJson,
            [PayloadType] = mailbox.Payload.Type,
            [PayloadLength] = mailbox.Payload.Data.Length,
        };
        SetIfPresent(entity, ReceiverClaimHash, mailbox.ReceiverClaimHash);
        SetIfPresent(entity, SenderTokenType, mailbox.SenderToken?.Type);
        SetIfPresent(entity, SenderTokenData, mailbox.SenderToken?.TokenData);
        SetIfPresent(entity, ReceiverTokenType, mailbox.ReceiverToken?.Type);
        SetIfPresent(entity, ReceiverTokenData, mailbox.ReceiverToken?.TokenData);
        SetIfPresent(entity, SenderLastCorrelationId, mailbox.SenderLastCorrelationId);
        SetIfPresent(entity, ReceiverLastCorrelationId, mailbox.ReceiverLastCorrelationId);
        SetIfPresent(entity, RelinquishedClaimHash, mailbox.RelinquishedClaimHash);
        SetIfPresent(entity, RelinquishedCorrelationId, mailbox.RelinquishedCorrelationId);

        var data = mailbox.Payload.Data;
        for (int offset = 0, index = 0; offset < data.Length; offset += MailboxStore.ChunkSize, index++)
        {
            entity[PayloadChunk + index] = data.AsSpan(offset, Math.Min(MailboxStore.ChunkSize, data.Length - offset)).ToArray();
        }

        return entity;
    }

    public static Mailbox ToMailbox(MailboxId id, TableEntity entity)
    {
        var length = entity.GetInt32(PayloadLength) ?? 0;
        var data = new byte[length];
        for (int offset = 0, index = 0; offset < length; index++)
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
            ExpiresAt = entity.GetDateTimeOffset(ExpiresAt)!.Value,
            DisplayInformationJson = entity.GetString(DisplayInformation)!,
            Payload = new SecurePayload(entity.GetString(PayloadType)!, data),
            SenderToken = Token(entity, SenderTokenType, SenderTokenData),
            ReceiverToken = Token(entity, ReceiverTokenType, ReceiverTokenData),
            SenderLastCorrelationId = entity.GetString(SenderLastCorrelationId),
            ReceiverLastCorrelationId = entity.GetString(ReceiverLastCorrelationId),
            RelinquishedClaimHash = entity.GetBinary(RelinquishedClaimHash),
            RelinquishedCorrelationId = entity.GetString(RelinquishedCorrelationId),
            Version = entity.ETag.ToString(),
        };
    }

    private static NotificationToken? Token(TableEntity entity, string type, string data) =>
        entity.GetString(type) is { } t && entity.GetString(data) is { } d ? new NotificationToken(t, d) : null;

    private static void SetIfPresent(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
