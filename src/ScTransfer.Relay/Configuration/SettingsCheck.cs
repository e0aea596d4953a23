using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The start-up check both hosts make between building and running: every type's validator, one message naming every
/// wrong setting, rather than the host's exception per type (docs/security.md, "Settings checked at start-up").
/// </summary>
public static partial class SettingsCheck
{
    /// <summary>
    /// Whether the settings stop the relay; if so the message is logged (<see cref="EventIds.SettingsRefused"/>) and
    /// written to <paramref name="standardError"/>, which the Functions host quotes when the worker exits.
    /// </summary>
    public static bool Refuses(IServiceProvider services, TextWriter? standardError = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (Problems(services) is not { } message)
        {
            return false;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SettingsCheck).FullName!);
        LogRefused(logger, message);
        standardError?.WriteLine(message);
        return true;
    }

    /// <summary>One message naming every wrong setting, or null when every setting is right.</summary>
    public static string? Problems(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (OptionsValidationException refused)
        {
            return Describe([refused]);
        }
        catch (AggregateException refused) when (refused.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // .NET runs every type's validation and aggregates the failures of several types.
            return Describe(refused.InnerExceptions.Cast<OptionsValidationException>());
        }
    }

    // One line, numbered: readable in a console and whole in the Functions host's record of the worker's exit. It
    // contains "failed", which is what makes that host count a standard-error line as an error.
    private static string Describe(IEnumerable<OptionsValidationException> refusals)
    {
        var failures = refusals.SelectMany(r => r.Failures).ToList();
        var message = new StringBuilder("Start-up failed: the relay does not start, ")
            .Append(CultureInfo.InvariantCulture, $"{failures.Count} setting{(failures.Count == 1 ? " is" : "s are")} wrong:");
        for (var i = 0; i < failures.Count; i++)
        {
            message.Append(CultureInfo.InvariantCulture, $" ({i + 1}) {failures[i]}");
        }

        return message.ToString();
    }

    [LoggerMessage(EventId = EventIds.SettingsRefused, Level = LogLevel.Critical, Message = "{Refusal}")]
    private static partial void LogRefused(ILogger logger, string refusal);
}
