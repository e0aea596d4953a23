namespace ScTransfer.Testing;

/// <summary>
/// Entity operations in a Table storage request: one for a point request or a query, one per operation inside an
/// entity-group transaction (<c>POST .../$batch</c>, a multipart/mixed body with one <c>application/http</c> part per
/// operation). Each of those counts toward a partition's 2,000 entities/s (docs/capacity.md). The storage proxy and
/// bench/ScTransfer.Bench (which compiles this file too) count with it.
/// </summary>
public static class TableTransactionBody
{
    private static ReadOnlySpan<byte> PartHeader => "Content-Type: application/http"u8;

    /// <summary>Whether a request path is an entity-group transaction.</summary>
    public static bool IsTransaction(string path) => path.EndsWith("/$batch", StringComparison.Ordinal);

    /// <summary>The entity operations a request to <paramref name="path"/> with this body carries.</summary>
    public static int EntityOperations(string path, ReadOnlySpan<byte> body)
    {
        if (!IsTransaction(path))
        {
            return 1;
        }

        var operations = 0;
        for (var at = body.IndexOf(PartHeader); at >= 0; at = body.IndexOf(PartHeader))
        {
            operations++;
            body = body[(at + PartHeader.Length)..];
        }

        return operations;
    }
}
