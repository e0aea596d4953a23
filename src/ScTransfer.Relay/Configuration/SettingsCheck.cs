using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// The start-up check both hosts make between building and running: the validation <c>ValidateOnStart</c> registered for
/// every options type (one <see cref="SettingsValidator{TOptions}"/> each), run before the host starts anything, so that
/// wrong settings stop the relay with one message that names every wrong setting of every type (docs/security.md,
/// "Settings checked at start-up"). The host's own run would make the same check, but would log it as an exception
/// per options type, with stack traces.
/// </summary>
public static partial class SettingsCheck
{
    /// <summary>
    /// Whether the settings stop the relay from starting. If they do, the message is logged (Critical, event
    /// <see cref="EventIds.SettingsRefused"/>) and, when given, written to <paramref name="standardError"/> as one line:
    /// the Functions host keeps the last error lines of a worker that exits in its record of the exit.
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
