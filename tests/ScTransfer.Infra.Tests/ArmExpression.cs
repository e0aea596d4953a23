using System.Globalization;
using System.Text.Json.Nodes;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// Evaluates the small subset of ARM template expressions that settings are computed with (arithmetic, if, string,
/// parameters, variables, Bicep's user-defined functions), so tests check the value a deployment would set rather than
/// the expression's spelling. Anything else (reference(), resourceId(), ...) throws: such a value can only be checked
/// in Azure, unless the caller gives <see cref="ArmStandIn"/> stand-ins for them.
/// </summary>
public sealed class ArmExpression
{
    private readonly JsonObject _template;
    private readonly IReadOnlyDictionary<string, JsonNode?> _parameters;
    private readonly ArmStandIn? _azure;
    private readonly int? _copyIndex;
    private string _text = "";
    private int _at;

    /// <summary>False while reading the branch an if() does not take: it is parsed, not evaluated (it may need Azure).</summary>
    private bool _evaluating = true;

    private ArmExpression(JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters, ArmStandIn? azure = null, int? copyIndex = null)
    {
        _template = template;
        _parameters = parameters;
        _azure = azure;
        _copyIndex = copyIndex;
    }

    /// <summary>The value of <paramref name="value"/> (a literal, or "[expression]") in <paramref name="template"/>.</summary>
    public static JsonNode? Evaluate(JsonNode? value, JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters) =>
        new ArmExpression(template, parameters).Value(value);

    /// <summary>
    /// As <see cref="Evaluate(JsonNode?, JsonObject, IReadOnlyDictionary{string, JsonNode?})"/>, with stand-ins for
    /// resourceId() and reference() (null: they throw) and the copy loop's index (null: copyIndex() throws).
    /// </summary>
    public static JsonNode? Evaluate(JsonNode? value, JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters, ArmStandIn? azure, int? copyIndex = null) =>
        new ArmExpression(template, parameters, azure, copyIndex).Value(value);

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
            catch (Exception e) when (e is NotSupportedException or KeyNotFoundException)
            {
                result.Remove(name); // known only in Azure (a module output, a resource property, utcNow()): reading it throws
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
            var inner = new ArmExpression(_template, _parameters, _azure, _copyIndex) { _text = text[1..^1], _at = 0 };
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
        while (char.IsLetterOrDigit(_text[_at]) || _text[_at] is '_' or '.')
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
        _ when name.Contains('.', StringComparison.Ordinal) => UserFunction(name, a),
        "copyIndex" => JsonValue.Create(_copyIndex ?? throw new NotSupportedException($"copyIndex() outside a copy loop: {_text}")),
        "length" => JsonValue.Create((long)(a[0] switch
        {
            JsonArray array => array.Count,
            JsonObject o => o.Count,
            _ => Str(a[0]).Length,
        })),
        "join" => JsonValue.Create(string.Join(Str(a[1]), a[0]!.AsArray().Select(Str))),
        "concat" when a.All(x => x is JsonArray) => new JsonArray(a.SelectMany(x => x!.AsArray().Select(item => item?.DeepClone())).ToArray()),
        "concat" => JsonValue.Create(string.Concat(a.Select(Str))),
        "resourceId" when _azure is not null => JsonValue.Create(_azure.ResourceId(a.Select(Str).ToList())),
        "reference" when _azure is not null => _azure.Reference(Str(a[0])),
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
        "or" => JsonValue.Create(Bool(a[0]) || Bool(a[1])),
        "contains" => JsonValue.Create(a[0] switch
        {
            JsonArray array => array.Any(item => JsonNode.DeepEquals(item, a[1])),
            JsonObject map => map.ContainsKey(Str(a[1])),
            _ => Str(a[0]).Contains(Str(a[1]), StringComparison.Ordinal), // a substring, case-sensitive as ARM compares it
        }),
        "base64ToString" => JsonValue.Create(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Str(a[0])))),
        "greater" => JsonValue.Create(Int(a[0]) > Int(a[1])),
        "format" => JsonValue.Create(string.Format(CultureInfo.InvariantCulture, Str(a[0]), a.Skip(1).Select(x => (object?)x?.ToString()).ToArray())),
        "createObject" => new JsonObject(Enumerable.Range(0, a.Count / 2).Select(i => KeyValuePair.Create(Str(a[2 * i]), a[2 * i + 1]?.DeepClone()))),
        _ => throw new NotSupportedException($"ARM function {name}() is not evaluated here (only Azure can): {_text}"),
    };

    /// <summary>A Bicep user-defined function (<c>__bicep.name</c>): its output, with its arguments as its parameters.</summary>
    private JsonNode? UserFunction(string qualified, List<JsonNode?> arguments)
    {
        var dot = qualified.IndexOf('.', StringComparison.Ordinal);
        var (space, member) = (qualified[..dot], qualified[(dot + 1)..]);
        var function = (_template["functions"]?.AsArray() ?? [])
            .Where(f => (string)f!["namespace"]! == space)
            .Select(f => f!["members"]?[member])
            .SingleOrDefault(f => f is not null) ?? throw new KeyNotFoundException($"function {qualified} is not defined: {_text}");
        var bound = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var declared = function["parameters"]?.AsArray() ?? [];
        for (var i = 0; i < declared.Count; i++)
        {
            bound[(string)declared[i]!["name"]!] = arguments[i]?.DeepClone();
        }

        return new ArmExpression(_template, bound, _azure).Value(function["output"]!["value"]);
    }

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

/// <summary>
/// Stand-ins for what only a deployment knows: resourceId() gives a made-up id from its arguments, and reference()
/// answers from <see cref="Properties"/> and records what was read, so a test can tell which resources an expression
/// reads (and so requires to exist) in Azure.
/// </summary>
public sealed class ArmStandIn(Func<string, JsonObject> properties)
{
    private readonly List<string> _referenced = [];

    public IReadOnlyList<string> Referenced => _referenced;

    public Func<string, JsonObject> Properties { get; } = properties;

    /// <summary><c>resourceId(type, name...)</c> as /subscriptions/s/resourceGroups/rg/providers/type/name/...; a type's segments alternate with names.</summary>
    public string ResourceId(IReadOnlyList<string> arguments)
    {
        var type = arguments[0].Split('/');
        var path = type[0] + "/" + string.Join('/', type.Skip(1).Zip(arguments.Skip(1), (t, n) => t + "/" + n));
        return "/subscriptions/s/resourceGroups/rg/providers/" + path;
    }

    public JsonObject Reference(string resourceId)
    {
        _referenced.Add(resourceId);
        return Properties(resourceId);
    }
}
