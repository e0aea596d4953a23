using System.Text;
using Azure.Data.Tables;

namespace ScTransfer.Proof.Tests;

/// <summary>Every entity of a relay's tables as sorted text lines (keys, ETag and every property), to compare states.</summary>
internal static class TableDump
{
    public static async Task<List<string>> OfAsync(TableServiceClient service, params string[] tables)
    {
        var lines = new List<string>();
        foreach (var table in tables)
        {
            await foreach (var entity in service.GetTableClient(table).QueryAsync<TableEntity>())
            {
                var line = new StringBuilder().Append(table).Append('|').Append(entity.PartitionKey).Append('|').Append(entity.RowKey)
                    .Append('|').Append(entity.ETag);
                foreach (var (key, value) in entity.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    line.Append('|').Append(key).Append('=').Append(value is byte[] bytes ? Convert.ToBase64String(bytes) : value);
                }

                lines.Add(line.ToString());
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
