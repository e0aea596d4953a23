using ScTransfer.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await Sct.RunAsync(args, SctConsole.FromProcess(), cancellation.Token);
