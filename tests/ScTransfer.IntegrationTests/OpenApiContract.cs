using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using ScTransfer.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ScTransfer.IntegrationTests;

/// <summary>One response as the suite received it.</summary>
public sealed record RecordedExchange(
    string Method, string Path, string? PathTemplate, int Status, IReadOnlyDictionary<string, string> Headers, string? MediaType, string Body);

/// <summary>
/// docs/openapi.yaml as a contract: every response the end-to-end suite receives is checked against it (documented
/// path, method and status; declared headers present and valid; body of a declared media type matching its schema),
/// so the description cannot drift from the code. Schemas are evaluated as JSON Schema 2020-12 (OpenAPI 3.1).
/// </summary>
public sealed class OpenApiContract
{
    private const string SchemaRefPrefix = "#/components/schemas/";

    private static readonly Lazy<OpenApiContract> RelayDescription =
        new(() => FromYaml(File.ReadAllText(Path.Combine(Repository.Root, "docs", "openapi.yaml"))));

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _document;
    private readonly JsonObject _definitions;
    private readonly List<(Regex Pattern, string Template)> _paths;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private readonly ConcurrentQueue<RecordedExchange> _recorded = new();

    private OpenApiContract(JsonObject document)
    {
        _document = document;
        _definitions = (JsonObject)Rewrite(document["components"]?["schemas"]?.DeepClone() ?? new JsonObject())!;
        _paths = [.. document["paths"]!.AsObject().Select(path => (TemplatePattern(path.Key), path.Key))];
    }

    /// <summary>The relay's own description, docs/openapi.yaml.</summary>
    public static OpenApiContract Relay => RelayDescription.Value;

    /// <summary>Every response checked so far.</summary>
    public IReadOnlyCollection<RecordedExchange> Recorded => _recorded;

    public static OpenApiContract FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new OpenApiContract(ToJson(stream.Documents.Single().RootNode)!.AsObject());
    }

    /// <summary>An HTTP client of <paramref name="host"/> whose every response must match docs/openapi.yaml.</summary>
    public static HttpClient CreateClient(RelayHost host) =>
        new(new ValidatingHandler(Relay)) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>What is wrong with this response according to the document; empty when it matches.</summary>
    public IReadOnlyList<string> Check(
        string method, string path, int status, IReadOnlyDictionary<string, string> headers, string? mediaType, string body)
    {
        var problems = new List<string>();
        var template = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Template;
        _recorded.Enqueue(new RecordedExchange(method, path, template, status, headers, mediaType, body));
        if (template is null)
        {
            problems.Add($"path {path} is not in the document");
            return problems;
        }

        if (_document["paths"]![template]![method.ToLowerInvariant()] is not JsonObject operation)
        {
            problems.Add($"{method} {template} is not in the document");
            return problems;
        }

        var responses = operation["responses"]!.AsObject();
        var declared = responses[status.ToString(CultureInfo.InvariantCulture)] ?? responses[$"{status / 100}XX"] ?? responses["default"];
        if (declared is null)
        {
            problems.Add($"{method} {template} does not document status {status}");
            return problems;
        }

        var response = Resolve(declared);
        CheckHeaders(response, headers, problems);
        CheckContent(response, mediaType, body, problems);
        return problems;
    }

    private void CheckHeaders(JsonObject response, IReadOnlyDictionary<string, string> headers, List<string> problems)
    {
        foreach (var (name, node) in response["headers"]?.AsObject() ?? [])
        {
            var header = Resolve(node!);
            if (!headers.TryGetValue(name, out var value))
            {
                if (header["required"]?.GetValue<bool>() == true)
                {
                    problems.Add($"required header {name} is missing");
                }

                continue;
            }

            problems.AddRange(Validate(header["schema"]!, JsonValue.Create(value)).Select(e => $"header {name}: {e}"));
        }
    }

    private void CheckContent(JsonObject response, string? mediaType, string body, List<string> problems)
    {
        if (response["content"] is not JsonObject content)
        {
            if (body.Length > 0)
            {
                problems.Add($"the document declares no body, but the response has {body.Length} characters of {mediaType}");
            }

            return;
        }

        var declared = content.FirstOrDefault(c => string.Equals(c.Key, mediaType, StringComparison.OrdinalIgnoreCase));
        if (declared.Value is null)
        {
            problems.Add($"media type {mediaType ?? "(none)"} is not one of {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }

        JsonNode? instance;
        if (declared.Key.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                instance = JsonNode.Parse(body);
            }
            catch (System.Text.Json.JsonException)
            {
                problems.Add($"the {mediaType} body is not JSON");
                return;
            }
        }
        else
        {
            instance = JsonValue.Create(body);
        }

        problems.AddRange(Validate(declared.Value["schema"]!, instance).Select(e => "body: " + e));
    }

    private IEnumerable<string> Validate(JsonNode schemaNode, JsonNode? instance)
    {
        var key = schemaNode.ToJsonString();
        var schema = _schemas.GetOrAdd(key, _ =>
        {
            // A schema of its own: the document's component schemas become its $defs, and refs follow them there.
            var standalone = (JsonObject)Rewrite(schemaNode.DeepClone())!;
            standalone["$schema"] = "https://json-schema.org/draft/2020-12/schema";
            standalone["$defs"] = _definitions.DeepClone();
            return JsonSchema.FromText(standalone.ToJsonString());
        });
        var result = schema.Evaluate(instance, Evaluation);
        return result.IsValid
            ? []
            : result.Details.Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Value}")).DefaultIfEmpty("does not match");
    }

    /// <summary>Follows a <c>$ref</c> to a component (responses, headers) within the document.</summary>
    private JsonObject Resolve(JsonNode node)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            node = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Aggregate((JsonNode)_document, (current, segment) => current[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                    ?? throw new InvalidOperationException($"unresolved reference {reference}"));
        }

        return node.AsObject();
    }

    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name == "$ref" && value!.GetValue<string>().StartsWith(SchemaRefPrefix, StringComparison.Ordinal))
                    {
                        obj[name] = "#/$defs/" + value.GetValue<string>()[SchemaRefPrefix.Length..];
                    }
                    else
                    {
                        Rewrite(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Rewrite(item);
                }

                break;
        }

        return node;
    }

    private static Regex TemplatePattern(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?}", "[^/]+") + "$", RegexOptions.CultureInvariant);

    /// <summary>YAML 1.2 core schema to JSON: plain scalars may be null, booleans or numbers; quoted ones are strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(child =>
            KeyValuePair.Create(((YamlScalarNode)child.Key).Value!, ToJson(child.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: not ScalarStyle.Plain } scalar => JsonValue.Create(scalar.Value),
        YamlScalarNode { Value: null or "" or "~" or "null" } => null,
        YamlScalarNode { Value: "true" } => JsonValue.Create(true),
        YamlScalarNode { Value: "false" } => JsonValue.Create(false),
        YamlScalarNode scalar when long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) =>
            JsonValue.Create(integer),
        YamlScalarNode scalar when Regex.IsMatch(scalar.Value!, @"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$") =>
            JsonValue.Create(double.Parse(scalar.Value!, CultureInfo.InvariantCulture)),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException($"YAML node {node.NodeType} at {node.Start}"),
    };

    /// <summary>Checks each response as it arrives, so a mismatch fails the very test that received it.</summary>
    private sealed class ValidatingHandler(OpenApiContract contract) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var headers = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            var problems = contract.Check(
                request.Method.Method, request.RequestUri!.AbsolutePath, // absolute by now: HttpClient applied BaseAddress
                (int)response.StatusCode, headers, response.Content.Headers.ContentType?.MediaType, body);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException(
                    $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}, which docs/openapi.yaml does not describe:\n  - "
                    + string.Join("\n  - ", problems) + "\n  body: " + (body.Length > 500 ? body[..500] + "..." : body));
            }

            return response;
        }
    }
}
