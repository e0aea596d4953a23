namespace ScTransfer.Cli;

/// <summary>A wrong command line; the message says what to fix.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A small hand-written parser: <c>--name value</c>, <c>--name=value</c>, boolean flags, positionals, <c>-</c> as a
/// positional (standard input) and <c>--</c> to end options.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public bool Help => _flags.Contains("--help");

    public string? this[string option] => _values.GetValueOrDefault(option);

    public bool Has(string flag) => _flags.Contains(flag);

    public static Arguments Parse(IEnumerable<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags)
    {
        var parsed = new Arguments();
        using var next = args.GetEnumerator();
        var optionsEnded = false;
        while (next.MoveNext())
        {
            var arg = next.Current;
            if (optionsEnded || arg == "-" || !arg.StartsWith('-'))
            {
                parsed.Positionals.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            if (arg is "-h" or "--help")
            {
                parsed._flags.Add("--help");
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (valueOptions.Contains(name))
            {
                if (equals > 0)
                {
                    parsed._values[name] = arg[(equals + 1)..];
                }
                else if (next.MoveNext())
                {
                    parsed._values[name] = next.Current;
                }
                else
                {
                    throw new UsageException($"{name} needs a value.");
                }
            }
            else if (flags.Contains(name) && equals < 0)
            {
                parsed._flags.Add(name);
            }
            else
            {
                throw new UsageException($"Unknown option {name}.");
            }
        }

        return parsed;
    }
}
