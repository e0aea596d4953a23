using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

/// <summary>
/// A Kestrel connection middleware: a client (<see cref="ClientNetworks"/>) holds at most
/// <see cref="RateLimitingOptions.MaxConnectionsPerClient"/> open connections, one more is closed before Kestrel reads a
/// byte (docs/security.md, "Idle connections"). Off behind a trusted proxy, whose address every connection would carry.
/// </summary>
internal sealed class ClientConnectionLimit(IOptions<RateLimitingOptions> options, RelayRefusals refusals)
{
    private readonly RateLimitingOptions _options = options.Value;
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

    /// <summary>Counts the connection against the client and each of its networks, if every one of them has room for it.</summary>
    private bool TryOpen(ClientNetworks client)
    {
        lock (_open)
        {
            foreach (var scope in ClientNetworks.Scopes)
            {
                if (client[scope] is { } network && _open.GetValueOrDefault(network) >= ClientNetworks.Budget(_options.MaxConnectionsPerClient, scope, _options))
                {
                    return false;
                }
            }

            foreach (var scope in ClientNetworks.Scopes)
            {
                if (client[scope] is { } network)
                {
                    _open[network] = _open.GetValueOrDefault(network) + 1;
                }
            }

            return true;
        }
    }

    private void Close(ClientNetworks client)
    {
        lock (_open)
        {
            foreach (var scope in ClientNetworks.Scopes)
            {
                // An entry lives only while a connection of its network is open: a flood of addresses leaves nothing behind.
                if (client[scope] is not { } network)
                {
                    continue;
                }

                if (_open[network] == 1)
                {
                    _open.Remove(network);
                }
                else
                {
                    _open[network]--;
                }
            }
        }
    }
}
