using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// One validator per options type, in the manner of YARP's <c>ConfigValidator</c>: it collects everything wrong with the
/// type's settings and reports it all at once, each message naming its setting and what would be right. Run at start-up
/// on both hosts (<c>ValidateOnStart</c>; <see cref="SettingsCheck"/> makes one message of every type's). This base
/// reports the values that did not convert (<see cref="SettingsBinding"/>) and the validation attributes
/// (<c>[Range]</c>, <c>[RegularExpression]</c>) of the type's properties and of its nested settings objects; the derived
/// class adds the rules attributes cannot say. A message never quotes a secret's value.
/// </summary>
public abstract class SettingsValidator<TOptions>(string sectionName) : IValidateOptions<TOptions> where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new SettingErrors(sectionName);
        foreach (var unconverted in SettingsBinding.UnconvertedSettings(options))
        {
            errors.Add(unconverted);
        }

        CheckAttributes(options, sectionName, errors);
        Check(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Messages);
    }

    /// <summary>The rules of this type beyond its attributes: formats, keys, one setting against another.</summary>
    protected virtual void Check(TOptions options, SettingErrors errors)
    {
    }

    private static void CheckAttributes(object target, string path, SettingErrors errors)
    {
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var setting = path + "__" + property.Name;
            var value = property.GetValue(target);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>().Where(a => !a.IsValid(value)))
            {
                errors.Add(attribute switch
                {
                    RangeAttribute range => $"{setting} must be between {range.Minimum} and {range.Maximum}; it is {Format(value)}.",
                    RegularExpressionAttribute pattern => $"{setting} must match {pattern.Pattern}.",
                    RequiredAttribute => $"{setting} is not set.",
                    _ => attribute.FormatErrorMessage(setting),
                });
            }

            if (value is not null && SettingsBinding.IsSettingsObject(property.PropertyType, typeof(TOptions)))
            {
                CheckAttributes(value, setting, errors);
            }
        }
    }

    // Only ranges quote their value: numbers and time spans, never a key or a connection string.
    private static string Format(object? value) => value switch
    {
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => "not in range",
    };
}

/// <summary>
/// What is wrong with one options type, each message naming its setting as an operator writes it: <c>Section__Key</c>,
/// the name of the app setting, of the environment variable and of the README's configuration table.
/// </summary>
public sealed class SettingErrors
{
    private readonly List<string> _messages = [];

    internal SettingErrors(string section) => Section = section;

    /// <summary>The configuration section, e.g. <c>Relay</c>.</summary>
    public string Section { get; }

    public int Count => _messages.Count;

    internal IReadOnlyList<string> Messages => _messages;

    /// <summary>The setting <paramref name="key"/> of this section as an operator writes it, e.g. <c>Relay__ClaimHashKey</c>.</summary>
    public string Name(string key) => Section + "__" + key;

    /// <summary>A message that names its setting(s) itself.</summary>
    public void Add(string message) => _messages.Add(message);

    /// <summary><c>Section__Key</c> followed by <paramref name="problem"/>, e.g. "is not set; give …".</summary>
    public void Add(string key, string problem) => _messages.Add(Name(key) + " " + problem);

    /// <summary>A configuration path (<c>RateLimiting:Create:PermitLimit</c>) as a setting name (<c>RateLimiting__Create__PermitLimit</c>).</summary>
    internal static string NameOf(string configurationPath) => configurationPath.Replace(":", "__", StringComparison.Ordinal);
}
