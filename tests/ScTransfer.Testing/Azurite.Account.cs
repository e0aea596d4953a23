namespace ScTransfer.Testing;

/// <summary>
/// What every client of the emulator must know: its development account and where it listens. The one place these are
/// written; bench/ScTransfer.Bench compiles this file too.
/// </summary>
public sealed partial class Azurite
{
    public const string ConnectionString = "UseDevelopmentStorage=true";
    public const int TablePort = 10002;

    /// <summary>The well-known key of Azurite's development account (public, in Azurite's own documentation).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// A connection string for a table endpoint nobody listens on (the discard port, 9): every storage call fails at
    /// once with a connection error, which the relay must answer with 503.
    /// </summary>
    public static readonly string UnreachableConnectionString = ConnectionStringFor(9);

    /// <summary>A key-based connection string for the development account with its table endpoint on <paramref name="port"/>.</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
}
