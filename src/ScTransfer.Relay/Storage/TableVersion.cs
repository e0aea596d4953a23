using Azure;

namespace ScTransfer.Relay.Storage;

/// <summary>The Table store's <see cref="StoreVersion"/>: the entity's ETag, which its conditional writes send as If-Match.</summary>
internal sealed record TableVersion(ETag ETag) : StoreVersion
{
    /// <summary>The ETag a conditional write must match. A version this store did not give is a bug, not a lost race.</summary>
    public static ETag Of(StoreVersion? version) => version is TableVersion table
        ? table.ETag
        : throw new InvalidOperationException("A conditional write needs the version a read or write of the Table store returned.");

    /// <summary>The version a write's answer carries.</summary>
    public static TableVersion? From(ETag? etag) => etag is { } value ? new TableVersion(value) : null;
}
