using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ScTransfer.Cli;

/// <summary>
/// The process's standard streams and environment, passed in so tests run commands in-process. Standard output
/// carries only results (a link, decrypted bytes); everything for people goes to standard error.
/// </summary>
internal sealed class SctConsole(Stream input, Stream output, TextWriter error, Func<string, string?> environment)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public Stream Input { get; } = input;

    /// <summary>Raw standard output, for decrypted content.</summary>
    public Stream Output { get; } = output;

    public TextWriter Error { get; } = error;

    public string? Environment(string name) => environment(name);

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope",
        Justification = "The process's standard streams stay open until it exits.")]
    public static SctConsole FromProcess() => new(
        Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, System.Environment.GetEnvironmentVariable);

    /// <summary>Writes a line of text to standard output (UTF-8, \n).</summary>
    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await Output.WriteAsync(Utf8.GetBytes(line + "\n"), cancellationToken);
        await Output.FlushAsync(cancellationToken);
    }
}
