using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

/// <summary>
/// A Kestrel connection middleware: one client (its address, IPv6 by /64, as the rate limits count clients) holds at
/// most <see cref="RateLimitingOptions.MaxConnectionsPerClient"/> open connections; one more is closed at once, before
/// Kestrel reads a byte of it, and counted (<see cref="RefusalReason.ClientConnections"/>). So one address cannot take the
/// connections everybody else needs; Kestrel's MaxConcurrentConnections stays the ceiling for all (docs/security.md,
/// "Idle connections"). Off while <see cref="RateLimitingOptions.TrustedForwardedHops"/> is set, since every connection
/// then comes from the proxy, and when the limits are off.
/// </summary>
internal sealed class ClientConnectionLimit(IOptions<RateLimitingOptions> options, RelayRefusals refusals)
{
    private readonly int _limit = options.Value.MaxConnectionsPerClient;
    private readonly bool _enabled = options.Value is { Enabled: true, TrustedForwardedHops: 0 };
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>For <c>ListenOptions.Use</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => _enabled ? connection => OnConnectedAsync(connection, next) : next;

    private async Task OnConnectedAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var client = RelayRateLimiter.ClientKey((connection.RemoteEndPoint as IPEndPoint)?.Address, default, trustedHops: 0);
        if (!TryOpen(client))
        {
            refusals.Refused(RefusalReason.ClientConnections);
            return; // Kestrel closes a connection its middleware returns from
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Close(client);
        }
    }

    private bool TryOpen(string client)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(client);
            if (open >= _limit)
            {
                return false;
            }

            _open[client] = open + 1;
            return true;
        }
    }

    private void Close(string client)
    {
        lock (_open)
        {
            // An entry lives only while its client has a connection open: a flood of addresses leaves nothing behind.
            if (_open[client] == 1)
            {
                _open.Remove(client);
            }
            else
            {
                _open[client]--;
            }
        }
    }
}
