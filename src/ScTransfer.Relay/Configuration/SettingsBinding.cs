using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Binds a configuration section onto an options object property by property, so that every value that does not convert
/// (<c>7d</c> for a time span, <c>ten</c> for a number) is kept for its validator to report with the rest
/// (<see cref="SettingsValidator{TOptions}"/>), where the configuration binder would stop start-up at the first one and
/// quote its value. A value that does not convert leaves the property's default.
/// </summary>
public static class SettingsBinding
{
    private static readonly ConditionalWeakTable<object, List<string>> Unconverted = [];

    /// <summary>
    /// The options type <typeparamref name="TOptions"/> bound from <paramref name="sectionName"/> and checked at start-up
    /// by its one validator <typeparamref name="TValidator"/> (ValidateOnStart; <see cref="SettingsCheck"/>).
    /// </summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindSettings(configuration, sectionName).ValidateOnStart();
    }

    /// <summary>Binds <paramref name="sectionName"/> of <paramref name="configuration"/> property by property (above).</summary>
    public static OptionsBuilder<TOptions> BindSettings<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration configuration, string sectionName)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Configure(options => Bind(configuration.GetSection(sectionName), options));
    }

    /// <summary>The settings of <paramref name="sectionName"/> as they would be bound, not validated (defaults where a value does not convert).</summary>
    public static TOptions Read<TOptions>(IConfiguration configuration, string sectionName) where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TOptions();
        Bind(configuration.GetSection(sectionName), options);
        return options;
    }

    /// <summary>What did not convert when <paramref name="options"/> was bound, each naming its setting.</summary>
    internal static IReadOnlyList<string> UnconvertedSettings(object options) =>
        Unconverted.TryGetValue(options, out var failures) ? failures : [];

    private static void Bind(IConfigurationSection section, object options)
    {
        var failures = new List<string>();
        Bind(section, options, options.GetType(), failures);
        if (failures.Count > 0)
        {
            Unconverted.AddOrUpdate(options, failures);
        }
    }

    private static void Bind(IConfigurationSection section, object target, Type root, List<string> failures)
    {
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var child = section.GetSection(property.Name);
            if (IsValue(property.PropertyType))
            {
                if (property.SetMethod is not { IsPublic: true } || child.Value is null)
                {
                    continue;
                }

                var byDefault = property.GetValue(target);
                try
                {
                    property.SetValue(target, child.Get(property.PropertyType));
                }
                catch (InvalidOperationException)
                {
                    // The binder's message quotes the value: it is not repeated here.
                    failures.Add($"{SettingErrors.NameOf(child.Path)} must be {Expected(property.PropertyType)}"
                        + (byDefault is null ? "." : $" (the default is {Format(byDefault)})."));
                }
            }
            else if (IsSettingsObject(property.PropertyType, root) && property.GetValue(target) is { } nested)
            {
                Bind(child, nested, root, failures); // a settings object of its own, e.g. RateLimiting:Create
            }
        }
    }

    /// <summary>A nested settings object (e.g. <see cref="TokenBucketSettings"/>): a class of the options type's own namespace.</summary>
    internal static bool IsSettingsObject(Type type, Type options) => type.IsClass && type != typeof(string) && type.Namespace == options.Namespace;

    internal static bool IsValue(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(TimeSpan)
            || underlying == typeof(decimal) || underlying == typeof(Uri);
    }

    private static string Format(object value) => value switch
    {
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Expected(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(bool) => "true or false",
            _ when underlying == typeof(TimeSpan) => "a time span, [d.]hh:mm:ss: 7.00:00:00 is seven days, 00:00:20 twenty seconds",
            _ when underlying.IsEnum => "one of " + string.Join(", ", Enum.GetNames(underlying)),
            _ when underlying == typeof(int) || underlying == typeof(long) => "a whole number",
            _ => "a " + underlying.Name,
        };
    }
}
