using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace ScTransfer.Relay.Protocol;

/// <summary>
/// Opens a request body as a JSON object every string of which is readable text, or refuses it with a
/// <see cref="ProtocolError"/> that never echoes the body. What the object's fields may hold is
/// <see cref="MailboxRequestParser"/>'s job.
/// </summary>
internal static class RequestJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 8,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    public static bool TryOpen(ReadOnlyMemory<byte> body, out JsonDocument? document, out ProtocolError? error)
    {
        document = null;
        error = null;
        // The parser accepts bytes that are not UTF-8 and escapes of lone surrogates ("\ud800") inside strings, and
        // reading such a string later throws InvalidOperationException (so does the parser's own duplicate-key check
        // on such a property name). Refuse them all here, so every string of an accepted body is readable text.
        try
        {
            document = Utf8.IsValid(body.Span) ? JsonDocument.Parse(body, DocumentOptions) : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // document stays null: refused below
        }

        if (document is null || !IsReadableText(document.RootElement))
        {
            document?.Dispose();
            document = null;
            error = NotJson();
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            error = ProtocolError.BadRequest("The body must be a JSON object.");
            return false;
        }

        return true;
    }

    // The parser's message may quote the body; say what is wrong without echoing it.
    private static ProtocolError NotJson() =>
        ProtocolError.BadRequest("The body is not valid JSON (UTF-8, no duplicate keys, nesting at most 8 levels).");

    /// <summary>Whether every string and property name decodes to valid UTF-16. Only escaped ones are decoded to check.</summary>
    private static bool IsReadableText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return !JsonMarshal.GetRawUtf8Value(element).Contains((byte)'\\') || Decodes(() => element.GetString());
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!IsReadableText(item))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if ((JsonMarshal.GetRawUtf8PropertyName(property).Contains((byte)'\\') && !Decodes(() => property.Name))
                        || !IsReadableText(property.Value))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static bool Decodes(Func<string?> read)
    {
        try
        {
            _ = read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
