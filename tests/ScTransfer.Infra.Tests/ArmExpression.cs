using System.Globalization;
using System.Text.Json.Nodes;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// Evaluates the small subset of ARM template expressions that settings are computed with (arithmetic, if, string,
/// parameters, variables), so tests check the value a deployment would set rather than the expression's spelling.
/// Anything else (reference(), resourceId(), ...) throws: such a value can only be checked in Azure.
/// </summary>
public sealed class ArmExpression
{
    private readonly JsonObject _template;
    private readonly IReadOnlyDictionary<string, JsonNode?> _parameters;
    private string _text = "";
    private int _at;

    /// <summary>False while reading the branch an if() does not take: it is parsed, not evaluated (it may need Azure).</summary>
    private bool _evaluating = true;

    private ArmExpression(JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters)
    {
        _template = template;
        _parameters = parameters;
    }

    /// <summary>The value of <paramref name="value"/> (a literal, or "[expression]") in <paramref name="template"/>.</summary>
    public static JsonNode? Evaluate(JsonNode? value, JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters) =>
        new ArmExpression(template, parameters).Value(value);

    /// <summary>The parameters a module deployment in <paramref name="parent"/> passes to its template, evaluated.</summary>
    public static Dictionary<string, JsonNode?> ModuleParameters(JsonObject deployment, JsonObject parent, IReadOnlyDictionary<string, JsonNode?> parentParameters)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var template = deployment["properties"]!["template"]!.AsObject();
        foreach (var (name, definition) in template["parameters"]?.AsObject() ?? [])
        {
            result[name] = definition?["defaultValue"] is { } fallback ? Evaluate(fallback, template, result) : null;
        }

        var passed = deployment["properties"]!["parameters"]!.AsObject();
        foreach (var (name, wrapper) in passed)
        {
            // Conditional modules pass "[if(c, createObject('value', a), createObject('value', b))]" for the whole wrapper.
            try
            {
                result[name] = Evaluate(wrapper, parent, parentParameters)!["value"]?.DeepClone();
            }
            catch (NotSupportedException)
            {
                result.Remove(name); // known only in Azure (a module output, a resource property): reading it throws
            }
        }

        return result;
    }

    /// <summary>The main template's parameters: defaults, overridden by <paramref name="given"/>.</summary>
    public static Dictionary<string, JsonNode?> MainParameters(JsonObject main, IReadOnlyDictionary<string, JsonNode?>? given = null)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, definition) in main["parameters"]?.AsObject() ?? [])
        {
            if (given?.TryGetValue(name, out var value) == true)
            {
                result[name] = value;
            }
            else if (definition?["defaultValue"] is { } fallback && !(fallback is JsonValue v && v.TryGetValue<string>(out var s) && s.Contains("utcNow", StringComparison.Ordinal)))
            {
                result[name] = Evaluate(fallback, main, result);
            }
        }

        return result;
    }

    private JsonNode? Value(JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal))
        {
            var inner = new ArmExpression(_template, _parameters) { _text = text[1..^1], _at = 0 };
            var result = inner.Parse();
            inner.Skip();
            if (inner._at != inner._text.Length)
            {
                throw new FormatException($"Unparsed rest of {text} at {inner._at}");
            }

            return result;
        }

        return value switch
        {
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Value(p.Value)))),
            JsonArray a => new JsonArray(a.Select(Value).ToArray()),
            _ => value?.DeepClone(),
        };
    }

    private JsonNode? Parse()
    {
        Skip();
        if (_text[_at] == '\'')
        {
            var end = _at + 1;
            var builder = new System.Text.StringBuilder();
            while (true)
            {
                if (_text[end] == '\'' && end + 1 < _text.Length && _text[end + 1] == '\'')
                {
                    builder.Append('\'');
                    end += 2;
                }
                else if (_text[end] == '\'')
                {
                    break;
                }
                else
                {
                    builder.Append(_text[end++]);
                }
            }

            _at = end + 1;
            return JsonValue.Create(builder.ToString());
        }

        if (char.IsDigit(_text[_at]) || _text[_at] == '-')
        {
            var start = _at++;
            while (_at < _text.Length && char.IsDigit(_text[_at]))
            {
                _at++;
            }

            return JsonValue.Create(long.Parse(_text[start.._at], CultureInfo.InvariantCulture));
        }

        var nameStart = _at;
        while (char.IsLetterOrDigit(_text[_at]))
        {
            _at++;
        }

        var name = _text[nameStart.._at];
        Expect('(');
        var arguments = new List<JsonNode?>();
        Skip();
        if (name == "if")
        {
            var condition = Parse();
            var take = _evaluating && Bool(condition);
            var outer = _evaluating;
            Expect(',');
            _evaluating = outer && take;
            var then = Parse();
            Expect(',');
            _evaluating = outer && !take;
            var otherwise = Parse();
            _evaluating = outer;
            Expect(')');
            return Access(take ? then : otherwise);
        }

        if (_text[_at] != ')')
        {
            do
            {
                arguments.Add(Parse());
                Skip();
            }
            while (_text[_at++] == ',');
            _at--;
        }

        Expect(')');
        return Access(_evaluating ? Call(name, arguments) : null);
    }

    /// <summary>Property access and indexing after a call: <c>.name</c>, <c>[expression]</c>.</summary>
    private JsonNode? Access(JsonNode? value)
    {
        while (true)
        {
            Skip();
            if (_at < _text.Length && _text[_at] == '.')
            {
                var start = ++_at;
                while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_'))
                {
                    _at++;
                }

                value = _evaluating ? value!.AsObject()[_text[start.._at]] : null;
            }
            else if (_at < _text.Length && _text[_at] == '[')
            {
                _at++;
                var key = Parse();
                Expect(']');
                value = _evaluating ? value switch
                {
                    JsonObject o => o[Str(key)],
                    JsonArray a => a[(int)Int(key)],
                    _ => throw new NotSupportedException($"indexing {value} in {_text}"),
                } : null;
            }
            else
            {
                return value?.DeepClone();
            }
        }
    }

    private JsonNode? Call(string name, List<JsonNode?> a) => name switch
    {
        "parameters" => _parameters.TryGetValue(Str(a[0]), out var p) ? p?.DeepClone() : throw new KeyNotFoundException($"parameter {Str(a[0])} has no value"),
        "variables" => Value(_template["variables"]![Str(a[0])]),
        "add" => JsonValue.Create(Int(a[0]) + Int(a[1])),
        "sub" => JsonValue.Create(Int(a[0]) - Int(a[1])),
        "mul" => JsonValue.Create(Int(a[0]) * Int(a[1])),
        "div" => JsonValue.Create(Int(a[0]) / Int(a[1])),
        "string" => JsonValue.Create(a[0] is JsonValue v && v.TryGetValue<bool>(out var b) ? (b ? "True" : "False") : a[0]!.ToString()),
        "if" => Bool(a[0]) ? a[1] : a[2],
        "not" => JsonValue.Create(!Bool(a[0])),
        "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        "createArray" => new JsonArray(a.Select(x => x?.DeepClone()).ToArray()),
        "empty" => JsonValue.Create(a[0] is null || a[0] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0 || a[0] is JsonArray { Count: 0 } || a[0] is JsonObject { Count: 0 }),
        "equals" => JsonValue.Create(JsonNode.DeepEquals(a[0], a[1])),
        "and" => JsonValue.Create(Bool(a[0]) && Bool(a[1])),
        "greater" => JsonValue.Create(Int(a[0]) > Int(a[1])),
        "format" => JsonValue.Create(string.Format(CultureInfo.InvariantCulture, Str(a[0]), a.Skip(1).Select(x => (object?)x?.ToString()).ToArray())),
        "createObject" => new JsonObject(Enumerable.Range(0, a.Count / 2).Select(i => KeyValuePair.Create(Str(a[2 * i]), a[2 * i + 1]?.DeepClone()))),
        _ => throw new NotSupportedException($"ARM function {name}() is not evaluated here (only Azure can): {_text}"),
    };

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static long Int(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => long.Parse(node!.ToString(), CultureInfo.InvariantCulture),
    };

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : bool.Parse(node!.ToString());

    private void Expect(char c)
    {
        Skip();
        if (_text[_at] != c)
        {
            throw new FormatException($"expected '{c}' at {_at} in {_text}");
        }

        _at++;
    }

    private void Skip()
    {
        while (_at < _text.Length && _text[_at] == ' ')
        {
            _at++;
        }
    }
}
