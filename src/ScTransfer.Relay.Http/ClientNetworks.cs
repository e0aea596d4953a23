using System.Net;
using System.Net.Sockets;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Http;

/// <summary>The networks a client's requests and connections count against, narrowest first.</summary>
internal enum NetworkScope
{
    /// <summary>The client itself: an IPv4 address or an IPv6 /64.</summary>
    Client,

    /// <summary>The IPv6 /56 around the client's /64.</summary>
    Prefix56,

    /// <summary>The IPv6 /48 around the client's /64.</summary>
    Prefix48,
}

/// <summary>
/// Whom a request or a connection counts against, for the rate limits and the runner's connection cap alike: the client
/// (an IPv4 address or an IPv6 /64) and, for IPv6, the /56 and /48 around it, each with a multiple of the client's
/// budget (docs/security.md, "IPv6 networks").
/// </summary>
/// <param name="Client">The client's key: <c>203.0.113.7</c>, <c>2001:db8:1:2::/64</c>, or <c>unknown</c>.</param>
/// <param name="Prefix56">The /56's key (<c>2001:db8:1::/56</c>); null for IPv4.</param>
/// <param name="Prefix48">The /48's key (<c>2001:db8:1::/48</c>); null for IPv4.</param>
internal readonly record struct ClientNetworks(string Client, string? Prefix56, string? Prefix48)
{
    /// <summary>Every scope, narrowest first: the order in which a request takes its places and tokens.</summary>
    public static readonly NetworkScope[] Scopes = [NetworkScope.Client, NetworkScope.Prefix56, NetworkScope.Prefix48];

    /// <summary>The key of <paramref name="scope"/>; null when the client has no such network (IPv4).</summary>
    public string? this[NetworkScope scope] => scope switch
    {
        NetworkScope.Client => Client,
        NetworkScope.Prefix56 => Prefix56,
        _ => Prefix48,
    };

    /// <summary>The client's networks; an IPv4-mapped IPv6 address is the IPv4 address.</summary>
    public static ClientNetworks Of(IPAddress? address)
    {
        if (address is null)
        {
            return new("unknown", null, null);
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new(address.ToString(), null, null);
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return new(Prefix(bytes, 64), Prefix(bytes, 56), Prefix(bytes, 48));
    }

    /// <summary>
    /// What <paramref name="scope"/> may have of a limit whose per-client value is <paramref name="perClient"/>: that
    /// value times the scope's multiple (at most <see cref="int.MaxValue"/>).
    /// </summary>
    public static int Budget(int perClient, NetworkScope scope, RateLimitingOptions options) =>
        (int)Math.Min(int.MaxValue, (long)perClient * scope switch
        {
            NetworkScope.Client => 1,
            NetworkScope.Prefix56 => options.IPv6Prefix56Multiple,
            _ => options.IPv6Prefix48Multiple,
        });

    private static string Prefix(ReadOnlySpan<byte> address, int bits)
    {
        Span<byte> prefix = stackalloc byte[16];
        address[..(bits / 8)].CopyTo(prefix);
        return $"{new IPAddress(prefix)}/{bits}";
    }
}
