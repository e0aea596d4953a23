using System.Text.Json;

namespace ScTransfer.Relay.Protocol;

/// <summary>
/// The public, unencrypted description of a share (draft §6.1.4 <c>displayInformation</c>). The relay stores the
/// object as sent and reads these fields only to render the OpenGraph preview (§6.4).
/// </summary>
public sealed record DisplayInformation(string? Title, string? Description, string? ImageUrl)
{
    /// <summary>The field list says <c>imageURL</c>; Figure 4 says <c>imageUrl</c>: both are accepted.</summary>
    public static readonly string[] FieldNames = ["title", "description", "imageURL", "imageUrl"];

    public static DisplayInformation FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new DisplayInformation(
            Read(root, "title"),
            Read(root, "description"),
            Read(root, "imageURL") ?? Read(root, "imageUrl"));
    }

    private static string? Read(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
