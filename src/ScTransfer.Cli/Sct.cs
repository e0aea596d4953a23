using ScTransfer.Cli.Check;
using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary>
/// The entry point of <c>sct</c>, callable in-process. Exit codes: 0 done, 1 the transfer failed (one line on
/// standard error says why) or a check found a failure, 2 the command line is wrong, 130 interrupted.
/// </summary>
internal static class Sct
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;
    public const int Interrupted = 130;

    private static readonly Command[] Commands = [new SendCommand(), new ReceiveCommand(), new PreviewCommand(), new DemoCommand(), new CheckCommand()];

    public static async Task<int> RunAsync(string[] args, SctConsole console, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await console.Error.WriteLineAsync(Overview());
            return args.Length == 0 ? UsageError : Success;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            await console.Error.WriteLineAsync($"sct: unknown command '{args[0]}'.\n\n{Overview()}");
            return UsageError;
        }

        try
        {
            var parsed = Arguments.Parse(args.Skip(1), command.ValueOptions, command.Flags);
            if (parsed.Help)
            {
                await console.Error.WriteLineAsync(command.Help);
                return Success;
            }

            return await command.RunAsync(parsed, console, cancellationToken);
        }
        catch (UsageException e)
        {
            await console.Error.WriteLineAsync($"sct {command.Name}: {e.Message} See 'sct {command.Name} --help'.");
            return UsageError;
        }
        catch (ScTransferException e)
        {
            await console.Error.WriteLineAsync($"sct {command.Name}: {OneLine(e.Message)}");
            return Failure;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"sct {command.Name}: {OneLine(e.Message)}");
            return Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            await console.Error.WriteLineAsync($"sct {command.Name}: {OneLine(e.Message)}");
            return Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync($"sct {command.Name}: interrupted.");
            return Interrupted;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static string Overview() =>
        "sct: send and receive end-to-end encrypted shares through a Secure Credential Transfer relay.\n\n"
        + "Usage: sct <command> [options]\n\nCommands:\n"
        + string.Concat(Commands.Select(c => $"  {c.Name,-9}{c.Summary}\n"))
        + $"\nThe relay is --relay URL, else ${Command.RelayVariable}, else {Command.DefaultRelay}.\n"
        + "Run 'sct <command> --help' for a command's options.";
}
