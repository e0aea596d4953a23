using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ScTransfer.Infra.Tests;

/// <summary>A resource found anywhere in the compiled template, with the (nested) template that declares it.</summary>
public sealed record ArmResource(string Type, JsonObject Body, JsonObject Template, string Module)
{
    public JsonObject Properties => Body["properties"]?.AsObject() ?? [];
}

/// <summary>Walks a compiled ARM template: modules are nested Microsoft.Resources/deployments with inline templates.</summary>
public static partial class ArmTemplate
{
    public static IReadOnlyList<ArmResource> AllResources(JsonObject template, string module = "main")
    {
        var found = new List<ArmResource>();
        // An `existing` declaration (listed in languageVersion 2.0 templates) deploys nothing: not a resource here.
        foreach (var resource in Resources(template).Where(r => r["existing"]?.GetValue<bool>() != true))
        {
            var type = (string)resource["type"]!;
            found.Add(new ArmResource(type, resource, template, module));
            if (type == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                found.AddRange(AllResources(nested, (string)resource["name"]!));
            }
        }

        return found;
    }

    /// <summary>Every template: main and each module's.</summary>
    public static IEnumerable<(string Module, JsonObject Template)> AllTemplates(JsonObject template, string module = "main")
    {
        yield return (module, template);
        foreach (var deployment in AllResources(template).Where(r => r.Type == "Microsoft.Resources/deployments"))
        {
            yield return ((string)deployment.Body["name"]!, deployment.Body["properties"]!["template"]!.AsObject());
        }
    }

    public static IReadOnlyList<ArmResource> OfType(string type) =>
        AllResources(Bicep.MainTemplate).Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    public static ArmResource One(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"expected exactly one {type}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The module deployment (in main) with this name, e.g. "storage".</summary>
    public static JsonObject ModuleDeployment(string name) =>
        Resources(Bicep.MainTemplate).Single(r => (string)r["type"]! == "Microsoft.Resources/deployments" && (string)r["name"]! == name);

    /// <summary>A literal value, or the value of <c>[variables('x')]</c> in main, as passed to a module parameter.</summary>
    public static JsonNode? ModuleParameter(string module, string parameter)
    {
        var value = ModuleDeployment(module)["properties"]!["parameters"]![parameter]?["value"];
        return Resolve(value, Bicep.MainTemplate);
    }

    /// <summary>Main's parameters as a deployment with these values (and every default) would see them.</summary>
    public static Dictionary<string, JsonNode?> MainParameters(Dictionary<string, JsonNode?>? given = null)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["environmentName"] = "test",
            ["location"] = "westeurope",
        };
        foreach (var (name, value) in given ?? [])
        {
            values[name] = value;
        }

        return ArmExpression.MainParameters(Bicep.MainTemplate, values);
    }

    public static JsonNode? Resolve(JsonNode? value, JsonObject template)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var text) && VariableReference().Match(text) is { Success: true } m)
        {
            return Resolve(template["variables"]![m.Groups[1].Value], template);
        }

        if (value is JsonArray array)
        {
            return new JsonArray(array.Select(item => Resolve(item, template)?.DeepClone()).ToArray());
        }

        return value;
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!.AsObject()),
        JsonObject symbolic => symbolic.Select(p => p.Value!.AsObject()), // languageVersion 2.0
        _ => [],
    };

    [GeneratedRegex(@"^\[variables\('([^']+)'\)\]$")]
    private static partial Regex VariableReference();
}
