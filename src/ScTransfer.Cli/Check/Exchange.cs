using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScTransfer.Cli.Check;

/// <summary>
/// One answer the check received, as the cases and the checks over every answer (HSTS, problem details, …) read it.
/// <see cref="Target"/> names the request with every mailbox identifier replaced by <c>{id}</c>; nothing of a claim, a
/// token or a payload is kept outside <see cref="Body"/>, which is never printed whole.
/// </summary>
internal sealed partial class Exchange
{
    private const int MaxKeptBody = 256 * 1024;

    private readonly Dictionary<string, string> _headers;

    private Exchange(string method, Uri url, bool browser, int status, string? mediaType, Dictionary<string, string> headers, string body)
    {
        Method = method;
        Url = url;
        Browser = browser;
        Status = status;
        MediaType = mediaType;
        _headers = headers;
        Body = body;
        Target = method + " " + Identifiers().Replace(url.AbsolutePath, "{id}");
    }

    public string Method { get; }

    public Uri Url { get; }

    /// <summary>The request asked for HTML first, as a browser does.</summary>
    public bool Browser { get; }

    public int Status { get; }

    public string? MediaType { get; }

    public string Body { get; }

    /// <summary>"GET /v1/m/{id}".</summary>
    public string Target { get; }

    public bool IsError => Status >= 400;

    public string? Header(string name) => _headers.GetValueOrDefault(name);

    public static async Task<Exchange> ReadAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var browser = request.Headers.Accept.FirstOrDefault()?.MediaType == "text/html";
        return new Exchange(request.Method.Method, request.RequestUri!, browser, (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType, headers, body.Length > MaxKeptBody ? body[..MaxKeptBody] : body);
    }

    public JsonElement? Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The answer in a line for a failure report: status, media type and, for problem details, the relay's title or
    /// detail (its own words; it never repeats what was sent), else the body's size.
    /// </summary>
    public string Describe()
    {
        var text = $"{Status}";
        if (MediaType is null)
        {
            return Body.Length == 0 ? text + " with no body" : text + $" ({Body.Length} bytes, no Content-Type)";
        }

        var detail = MediaType.EndsWith("json", StringComparison.Ordinal) && Json() is { ValueKind: JsonValueKind.Object } json
            && (Field(json, "detail") ?? Field(json, "title")) is { } said
            ? $": \"{Shorten(said)}\""
            : $", {Body.Length} bytes";
        return $"{text} ({MediaType}{detail})";
    }

    public static string Shorten(string text, int max = 160) =>
        text.Length <= max ? text : text[..max] + "…";

    private static string? Field(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Identifiers();
}

/// <summary>Media types the check sends and expects.</summary>
internal static class Media
{
    public static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    public static readonly MediaTypeWithQualityHeaderValue Html = new("text/html");
}
