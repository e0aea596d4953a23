namespace ScTransfer.Client;

/// <summary>Every event id the client library logs with, in one place, so that an app can filter its logs by id.</summary>
internal static class ClientEventIds
{
    public const int Answer = 2001;
    public const int TransportFailure = 2002;
}
