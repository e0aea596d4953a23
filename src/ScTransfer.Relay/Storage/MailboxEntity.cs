using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
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

    /// <summary>
    /// The whole mailbox as the JSON body of an insert or replace (OData, with the <c>@odata.type</c> annotations the
    /// Table service needs for every property that is not a string or Int32): the same entity the Azure SDK would write
    /// from the same properties, so the purge (which reads with the SDK) and the request path read each other's.
    /// </summary>
    public static void WriteMailbox(PooledBuffer buffer, string partition, Mailbox mailbox)
    {
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        json.WriteStartObject();
        WriteKeys(json, partition, mailbox.Id);
        json.WriteNumber(FormatVersion, CurrentFormat);
        json.WriteString(Kind, LiveKind);
        WriteDate(json, PurgeAt, mailbox.ExpiresAt); // the purge turns it into a tombstone once expired
        WriteGuid(json, OperationId, mailbox.OperationId);
        WriteBinary(json, SenderClaimHash, mailbox.SenderClaimHash);
        json.WriteString(AccessRights, AccessRightsFormat.Format(mailbox.AccessRights));
        WriteDate(json, CreatedAt, mailbox.CreatedAt);
        WriteDate(json, ExpiresAt, mailbox.ExpiresAt);
        json.WriteString(DisplayInformation, mailbox.DisplayInformationJson);
        json.WriteString(PayloadType, mailbox.Payload.Type);
        json.WriteNumber(PayloadLength, mailbox.Payload.Data.Length);
        json.WriteNumber(PushCount, mailbox.PushCount);
        WriteBinary(json, ReceiverClaimHash, mailbox.ReceiverClaimHash);
        WriteString(json, SenderTokenType, mailbox.SenderToken?.Type);
        WriteBinary(json, SenderTokenData, mailbox.SenderToken?.Sealed);
        WriteString(json, ReceiverTokenType, mailbox.ReceiverToken?.Type);
        WriteBinary(json, ReceiverTokenData, mailbox.ReceiverToken?.Sealed);
        WriteBinary(json, SenderLastCorrelation, mailbox.SenderLastCorrelation);
        WriteBinary(json, ReceiverLastCorrelation, mailbox.ReceiverLastCorrelation);
        WriteBinary(json, RelinquishedClaimHash, mailbox.RelinquishedClaimHash);
        WriteBinary(json, RelinquishedCorrelation, mailbox.RelinquishedCorrelation);
        WriteDate(json, SenderLastPushAt, mailbox.SenderLastPushAt);
        WriteDate(json, ReceiverLastPushAt, mailbox.ReceiverLastPushAt);

        // Binary properties hold at most 64 KiB each: Payload0..PayloadN, written from the payload without a copy.
        var data = mailbox.Payload.Data;
        for (int offset = 0, index = 0; offset < data.Length; offset += MailboxStore.ChunkSize, index++)
        {
            WriteBinary(json, index < ChunkNames.Length ? ChunkNames[index] : PayloadChunk + index.ToString(CultureInfo.InvariantCulture),
                data.AsSpan(offset, Math.Min(MailboxStore.ChunkSize, data.Length - offset)));
        }

        json.WriteEndObject();
    }

    /// <summary>The body of the bind's merge: the receiver's claim hash and the write's id, nothing else.</summary>
    public static void WriteReceiverBinding(PooledBuffer buffer, string partition, Mailbox mailbox)
    {
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        json.WriteStartObject();
        WriteKeys(json, partition, mailbox.Id);
        WriteBinary(json, ReceiverClaimHash, mailbox.ReceiverClaimHash);
        WriteGuid(json, OperationId, mailbox.OperationId);
        json.WriteEndObject();
    }

    /// <summary>The body of a replace with the mailbox's tombstone: the same properties as <see cref="Tombstone"/>.</summary>
    public static void WriteTombstone(PooledBuffer buffer, string partition, MailboxId id, DateTimeOffset expiresAt, DateTimeOffset purgeAt, Guid operationId)
    {
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        json.WriteStartObject();
        WriteKeys(json, partition, id);
        json.WriteNumber(FormatVersion, CurrentFormat);
        json.WriteString(Kind, TombstoneKind);
        WriteDate(json, PurgeAt, purgeAt);
        WriteGuid(json, OperationId, operationId);
        WriteDate(json, ExpiresAt, expiresAt);
        json.WriteEndObject();
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

    /// <summary>
    /// A mailbox (or its tombstone) from a point read's JSON, parsed straight into the <see cref="Mailbox"/>: binary
    /// properties are decoded once into their final arrays (a one-chunk payload is the payload itself).
    /// </summary>
    public static Mailbox ReadMailbox(MailboxId id, ReadOnlySpan<byte> entityJson, string? etag)
    {
        var reader = new Utf8JsonReader(entityJson);
        var fields = new Fields();
        List<(int Index, byte[] Data)>? chunks = null;
        reader.Read(); // the entity's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (name.StartsWith("Payload"u8) && name.Length > 7 && char.IsAsciiDigit((char)name[7]))
            {
                (chunks ??= []).Add((int.Parse(name[7..], CultureInfo.InvariantCulture), reader.GetBytesFromBase64()));
                continue;
            }

            fields.Read(name, ref reader);
        }

        var operationId = fields.OperationId;
        var expiresAt = fields.ExpiresAt ?? throw new InvalidDataException("Mailbox entity has no ExpiresAt.");
        if (fields.Kind == TombstoneKind)
        {
            return Mailbox.Tombstone(id, expiresAt, operationId, etag);
        }

        return new Mailbox
        {
            Id = id,
            SenderClaimHash = fields.SenderClaimHash ?? throw new InvalidDataException("Mailbox entity has no SenderClaimHash."),
            ReceiverClaimHash = fields.ReceiverClaimHash,
            AccessRights = AccessRightsFormat.TryParse(fields.AccessRights ?? "", out var rights) ? rights : Protocol.AccessRights.None,
            CreatedAt = fields.CreatedAt ?? throw new InvalidDataException("Mailbox entity has no CreatedAt."),
            ExpiresAt = expiresAt,
            DisplayInformationJson = fields.DisplayInformation ?? throw new InvalidDataException("Mailbox entity has no DisplayInformation."),
            Payload = new SecurePayload(fields.PayloadType ?? throw new InvalidDataException("Mailbox entity has no PayloadType."), Payload(fields.PayloadLength, chunks)),
            SenderToken = fields.SenderTokenType is { } senderType && fields.SenderTokenData is { } senderData ? new SealedToken(senderType, senderData) : null,
            ReceiverToken = fields.ReceiverTokenType is { } receiverType && fields.ReceiverTokenData is { } receiverData ? new SealedToken(receiverType, receiverData) : null,
            SenderLastCorrelation = fields.SenderLastCorrelation,
            ReceiverLastCorrelation = fields.ReceiverLastCorrelation,
            RelinquishedClaimHash = fields.RelinquishedClaimHash,
            RelinquishedCorrelation = fields.RelinquishedCorrelation,
            PushCount = fields.PushCount,
            SenderLastPushAt = fields.SenderLastPushAt,
            ReceiverLastPushAt = fields.ReceiverLastPushAt,
            OperationId = operationId,
            Version = etag,
        };
    }

    private static byte[] Payload(int length, List<(int Index, byte[] Data)>? chunks)
    {
        if (chunks is null || length == 0)
        {
            return length == 0 ? [] : throw new InvalidDataException("Mailbox entity is missing payload chunk 0.");
        }

        if (chunks.Count == 1 && chunks[0].Index == 0 && chunks[0].Data.Length == length)
        {
            return chunks[0].Data; // one chunk: the decoded array, not a second copy
        }

        chunks.Sort((a, b) => a.Index.CompareTo(b.Index));
        var data = new byte[length];
        var offset = 0;
        for (var index = 0; offset < length; index++)
        {
            if (index >= chunks.Count || chunks[index].Index != index || offset + chunks[index].Data.Length > length)
            {
                throw new InvalidDataException($"Mailbox entity is missing payload chunk {index}.");
            }

            chunks[index].Data.CopyTo(data.AsSpan(offset));
            offset += chunks[index].Data.Length;
        }

        return data;
    }

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Payload0..Payload15: a 1 MiB entity holds at most 16 chunks of 64 KiB.</summary>
    private static readonly string[] ChunkNames = [.. Enumerable.Range(0, 16).Select(i => PayloadChunk + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>"Name@odata.type", made once per property name rather than on every write.</summary>
    private static readonly ConcurrentDictionary<string, JsonEncodedText> Annotations = new(StringComparer.Ordinal);

    private static void WriteType(Utf8JsonWriter json, string name, ReadOnlySpan<byte> edmType) =>
        json.WriteString(Annotations.GetOrAdd(name, static n => JsonEncodedText.Encode(n + "@odata.type")), edmType);

    private static void WriteKeys(Utf8JsonWriter json, string partition, MailboxId id)
    {
        json.WriteString("PartitionKey"u8, partition);
        Span<char> rowKey = stackalloc char[36];
        id.Value.TryFormat(rowKey, out var written, "D");
        json.WriteString("RowKey"u8, rowKey[..written]);
    }

    private static void WriteString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteBinary(Utf8JsonWriter json, string name, ReadOnlySpan<byte> value)
    {
        WriteType(json, name, "Edm.Binary"u8);
        json.WriteBase64String(name, value);
    }

    private static void WriteBinary(Utf8JsonWriter json, string name, byte[]? value)
    {
        if (value is not null)
        {
            WriteBinary(json, name, value.AsSpan());
        }
    }

    private static void WriteGuid(Utf8JsonWriter json, string name, Guid value)
    {
        WriteType(json, name, "Edm.Guid"u8);
        json.WriteString(name, value);
    }

    /// <summary>An Edm.DateTime in the form the Azure SDK writes (UTC, seven fractional digits, "Z").</summary>
    private static void WriteDate(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is not { } date)
        {
            return;
        }

        Span<char> text = stackalloc char[32];
        date.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        WriteType(json, name, "Edm.DateTime"u8);
        json.WriteString(name, text[..written]);
    }

    /// <summary>The properties of a point read, by name, without a dictionary.</summary>
    private struct Fields
    {
        public string? Kind;
        public Guid OperationId;
        public byte[]? SenderClaimHash;
        public byte[]? ReceiverClaimHash;
        public string? AccessRights;
        public DateTimeOffset? CreatedAt;
        public DateTimeOffset? ExpiresAt;
        public string? DisplayInformation;
        public string? PayloadType;
        public int PayloadLength;
        public string? SenderTokenType;
        public byte[]? SenderTokenData;
        public string? ReceiverTokenType;
        public byte[]? ReceiverTokenData;
        public byte[]? SenderLastCorrelation;
        public byte[]? ReceiverLastCorrelation;
        public byte[]? RelinquishedClaimHash;
        public byte[]? RelinquishedCorrelation;
        public int PushCount;
        public DateTimeOffset? SenderLastPushAt;
        public DateTimeOffset? ReceiverLastPushAt;

        public void Read(ReadOnlySpan<byte> name, ref Utf8JsonReader value)
        {
            switch (name)
            {
                case var _ when name.SequenceEqual("Kind"u8): Kind = value.GetString(); break;
                case var _ when name.SequenceEqual("OpId"u8): OperationId = value.GetGuid(); break;
                case var _ when name.SequenceEqual("SenderClaimHash"u8): SenderClaimHash = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("ReceiverClaimHash"u8): ReceiverClaimHash = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("AccessRights"u8): AccessRights = value.GetString(); break;
                case var _ when name.SequenceEqual("CreatedAt"u8): CreatedAt = value.GetDateTimeOffset(); break;
                case var _ when name.SequenceEqual("ExpiresAt"u8): ExpiresAt = value.GetDateTimeOffset(); break;
                case var _ when name.SequenceEqual("DisplayInformation"u8): DisplayInformation = value.GetString(); break;
                case var _ when name.SequenceEqual("PayloadType"u8): PayloadType = value.GetString(); break;
                case var _ when name.SequenceEqual("PayloadLength"u8): PayloadLength = value.GetInt32(); break;
                case var _ when name.SequenceEqual("SenderTokenType"u8): SenderTokenType = value.GetString(); break;
                case var _ when name.SequenceEqual("SenderTokenData"u8): SenderTokenData = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("ReceiverTokenType"u8): ReceiverTokenType = value.GetString(); break;
                case var _ when name.SequenceEqual("ReceiverTokenData"u8): ReceiverTokenData = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("SenderLastCorrelationHash"u8): SenderLastCorrelation = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("ReceiverLastCorrelationHash"u8): ReceiverLastCorrelation = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("RelinquishedClaimHash"u8): RelinquishedClaimHash = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("RelinquishedCorrelationHash"u8): RelinquishedCorrelation = value.GetBytesFromBase64(); break;
                case var _ when name.SequenceEqual("PushCount"u8): PushCount = value.GetInt32(); break;
                case var _ when name.SequenceEqual("SenderLastPushAt"u8): SenderLastPushAt = value.GetDateTimeOffset(); break;
                case var _ when name.SequenceEqual("ReceiverLastPushAt"u8): ReceiverLastPushAt = value.GetDateTimeOffset(); break;
                default: value.Skip(); break; // PartitionKey, RowKey, Timestamp, V, PurgeAt, annotations
            }
        }
    }
}
