using System.Text.RegularExpressions;
using Azure.Data.Tables;

namespace ScTransfer.Bench;

/// <summary>
/// Azure's documented rules for Table storage, applied to what the bench recorded, because Azurite cannot show them (it
/// answers every query by testing every entity of the table, whatever the filter). A partition is kept in RowKey order:
/// a filter that names only PartitionKey (equal to one value) and RowKey (a range) is served from that order and reads
/// what it returns; a filter on any other property reads every entity of its partition; a filter without one
/// PartitionKey reads the whole table (learn.microsoft.com/azure/storage/tables/table-storage-design-for-query).
/// </summary>
internal static partial class AzureTableRules
{
    /// <summary>How the service must answer a filter.</summary>
    internal enum Access
    {
        /// <summary>A PartitionKey and a RowKey range: read in key order, as much as is returned.</summary>
        KeyRange,

        /// <summary>One partition, filtered on another property: every entity of the partition is read.</summary>
        PartitionScan,

        /// <summary>No single partition: every entity of the table is read.</summary>
        TableScan,
    }

    private static readonly HashSet<string> Keys = ["PartitionKey", "RowKey"];

    /// <summary>How a filter is answered, and the partition it names.</summary>
    public static (Access Access, string? Partition) Classify(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return (Access.TableScan, null);
        }

        var partition = PartitionEquality().Match(filter);
        if (!partition.Success || Disjunction().IsMatch(Literal().Replace(filter, "''")))
        {
            return (Access.TableScan, null);
        }

        return (Properties(filter).IsSubsetOf(Keys) ? Access.KeyRange : Access.PartitionScan, partition.Groups["value"].Value.Replace("''", "'", StringComparison.Ordinal));
    }

    /// <summary>The properties a filter compares (its literals set aside, so a value that looks like a comparison is not one).</summary>
    public static HashSet<string> Properties(string filter) =>
        [.. Comparison().Matches(Literal().Replace(filter, "''")).Select(m => m.Groups["name"].Value)];

    /// <summary>A filter with its values elided: the shape of the question, the same for every shard and every run.</summary>
    public static string Shape(string filter) => Literal().Replace(filter, "'…'");

    /// <summary>
    /// Entities the service reads to answer one query page: what it returned for a key range; the whole partition (or
    /// table) for a scan, counted once at its first page.
    /// </summary>
    public static long EntitiesRead(string? filter, bool continuation, int returned, Func<string, long> partitionSize, long tableSize) =>
        Classify(filter) switch
        {
            (Access.KeyRange, _) => returned,
            _ when continuation => 0,
            (Access.PartitionScan, var partition) => partitionSize(partition!),
            _ => tableSize,
        };

    /// <summary>
    /// The billable size of an entity at rest by the Table service's published formula (Microsoft's storage team,
    /// "How the size of an entity is calculated in Windows Azure table storage"): 4 bytes + 2 per character of
    /// PartitionKey and RowKey + per property 8 bytes + 2 per character of its name + its value (string 2 per character
    /// + 4, binary its length + 4, DateTime 8, Guid 16, Int32 4, Int64 and Double 8, Boolean 1).
    /// </summary>
    public static long BillableBytes(TableEntity entity) =>
        4 + (2 * (entity.PartitionKey.Length + entity.RowKey.Length)) + entity
            .Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            .Sum(p => 8 + (2 * p.Key.Length) + p.Value switch
            {
                string text => (2L * text.Length) + 4,
                byte[] bytes => bytes.Length + 4L,
                BinaryData data => data.ToMemory().Length + 4L,
                DateTimeOffset or DateTime or long or double => 8,
                Guid => 16,
                int => 4,
                bool => 1,
                var other => throw new ArgumentException($"No size rule for {other?.GetType().Name ?? "null"}."),
            });

    [GeneratedRegex(@"'(?:[^']|'')*'")]
    private static partial Regex Literal();

    [GeneratedRegex(@"\b(?<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?:eq|ne|gt|ge|lt|le)\s")]
    private static partial Regex Comparison();

    [GeneratedRegex(@"\bPartitionKey\s+eq\s+'(?<value>(?:[^']|'')*)'")]
    private static partial Regex PartitionEquality();

    [GeneratedRegex(@"\b(?:or|not)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Disjunction();
}
