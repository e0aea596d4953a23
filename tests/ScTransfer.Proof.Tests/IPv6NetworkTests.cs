using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// docs/security.md, "IPv6 networks", end to end over real IPv6 on the self-hosted runner: a customer walking the /64s of
/// its /56 (63 of them here, as in the attack that got 1,260 creates through) or the /56s of its /48 gets the budget of
/// that /56 or /48, a multiple of one client's (the defaults: 4 and 16), for creates and for connections alike, while a
/// lone /64 elsewhere is served as one client always was.
/// </summary>
/// <remarks>
/// The clients need source addresses from prefixes of their own, which the machine's loopback does not have: the relay,
/// its Azurite and every client socket live in a private network namespace whose loopback carries them
/// (<see cref="NetworkNamespace"/>: one thread of this process in its own namespace, nothing left behind, as root on
/// CI). The relay sees exactly what it would see on the internet: TCP connections from those addresses.
/// </remarks>
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.NetworkNamespace)]
public sealed class IPv6NetworkTests(IPv6NetworkTests.Relay relay, ITestOutputHelper output) : IClassFixture<IPv6NetworkTests.Relay>
{
    /// <summary>A client's create burst, never refilled during the test (one token an hour), so every count below is exact.</summary>
    private const int Creates = 5;

    /// <summary>A client's connections: its /56 may hold four times as many (128), its /48 sixteen times.</summary>
    private const int ConnectionsPerClient = 32;

    private static readonly RateLimitingOptions Defaults = new();

    /// <summary>63 /64s of the /56 2001:db8:ab00::/56 (in the /48 2001:db8:ab00::/48).</summary>
    private static readonly IPAddress[] OneCustomers56 = [.. Enumerable.Range(1, 63).Select(i => At($"2001:db8:ab00:{i:x}::1"))];

    /// <summary>Eight /56s of the /48 2001:db8:cd00::/48, four /64s of each.</summary>
    private static readonly IPAddress[][] OneCustomers48 =
        [.. Enumerable.Range(0, 8).Select(n => Enumerable.Range(1, 4).Select(i => At($"2001:db8:cd00:{n:x2}{i:x2}::1")).ToArray())];

    /// <summary>70 /64s of another /56 of the first /48, 2001:db8:ab00:100::/56, for the connection cap.</summary>
    private static readonly IPAddress[] ConnectingCustomers56 = [.. Enumerable.Range(1, 70).Select(i => At($"2001:db8:ab00:1{i:x2}::1"))];

    /// <summary>One /64 of a third /48.</summary>
    private static readonly IPAddress LoneClient = At("2001:db8:ef00:1::1");

    [Fact]
    public async Task The_64s_of_one_56_together_get_the_56s_multiple_of_a_clients_creates_and_a_lone_64_elsewhere_its_own()
    {
        var created = 0;
        foreach (var address in OneCustomers56)
        {
            created += (await CreateAsync(address, times: 3)).Count(s => s == HttpStatusCode.OK);
        }

        // Before: 63 × 3 = 189, every one of them 200.
        Assert.Equal(Defaults.IPv6Prefix56Multiple * Creates, created);

        var lone = await CreateAsync(LoneClient, times: Creates + 1);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, Creates), HttpStatusCode.TooManyRequests], lone);
    }

    [Fact]
    public async Task The_56s_of_one_48_together_get_the_48s_multiple_of_a_clients_creates()
    {
        var createdPer56 = new List<int>();
        foreach (var customer56 in OneCustomers48)
        {
            var created = 0;
            foreach (var address in customer56)
            {
                created += (await CreateAsync(address, times: Creates + 1)).Count(s => s == HttpStatusCode.OK);
            }

            createdPer56.Add(created);
        }

        output.WriteLine($"created per /56: {string.Join(", ", createdPer56)}");
        // Each /64 gets its 5, each /56 its 4 × 5, until the /48 has had its 16 × 5. Before: 8 × 4 × 5 = 160.
        Assert.All(createdPer56, created => Assert.InRange(created, 0, Defaults.IPv6Prefix56Multiple * Creates));
        Assert.Equal(Defaults.IPv6Prefix48Multiple * Creates, createdPer56.Sum());
    }

    [Fact]
    public async Task Connections_from_the_64s_of_one_56_are_capped_at_the_56s_multiple_of_a_clients_share()
    {
        // Two connections from each of 70 /64s: each /64 is far below its own 32, the /56 together over its 128.
        var sockets = new List<Socket>();
        try
        {
            foreach (var address in ConnectingCustomers56)
            {
                for (var i = 0; i < 2; i++)
                {
                    sockets.Add(await relay.Network.ConnectFromAsync(address, relay.Host.BaseAddress, CancellationToken.None).DefaultTimeout());
                }
            }

            // All open at once, then each asked a question: a kept connection answers (it waits for its first request for the
            // keep-alive timeout, 10 s, far longer than opening them takes), a refused one was closed unanswered.
            var statuses = await Task.WhenAll(sockets.Select(StatusOfAsync));
            output.WriteLine(string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()} × {g.Key}")));
            Assert.Equal(Defaults.IPv6Prefix56Multiple * ConnectionsPerClient, statuses.Count(s => s != 0)); // before: all 140
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private async Task<List<HttpStatusCode>> CreateAsync(IPAddress from, int times)
    {
        using var http = relay.Network.HttpClientFrom(from, relay.Host.BaseAddress);
        var client = new RelayClient(http);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < times; i++)
        {
            using var response = await client.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), RelayClient.NewId()).DefaultTimeout();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"create answered {(int)response.StatusCode}");
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    /// <summary>The status of the answer to a request for an unknown path (404, or 429 past a cap), or 0 when the relay closed the connection instead.</summary>
    private static async Task<int> StatusOfAsync(Socket socket)
    {
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /v1/nothing-here HTTP/1.1\r\nHost: relay\r\n\r\n"), SocketFlags.None).DefaultTimeout();
        }
        catch (SocketException)
        {
            return 0; // already reset
        }

        return await LoopbackPeers.ReadStatusAsync(socket, CancellationToken.None).DefaultTimeout();
    }

    private static IPAddress At(string address) => IPAddress.Parse(address);

    /// <summary>The namespace with every test's addresses, and Azurite and the relay inside it.</summary>
    public sealed class Relay : IAsyncLifetime
    {
        private DedicatedAzurite? _azurite;

        public NetworkNamespace Network { get; private set; } = null!;

        public RelayHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Network = await NetworkNamespace.CreateAsync(
                [.. OneCustomers56, .. OneCustomers48.SelectMany(a => a), .. ConnectingCustomers56, LoneClient]);
            _azurite = await Network.RunAsync(DedicatedAzurite.Start).DefaultTimeout(TimeSpan.FromSeconds(60));
            Host = await RelayHost.StartInAsync(Network, _azurite, new Dictionary<string, string>
            {
                ["RateLimiting__Create__PermitLimit"] = Creates.ToString(CultureInfo.InvariantCulture),
                ["RateLimiting__Create__TokensPerPeriod"] = "1",
                ["RateLimiting__Create__ReplenishmentSeconds"] = "3600",
                ["RateLimiting__MaxConnectionsPerClient"] = ConnectionsPerClient.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Information",
            }).DefaultTimeout(TimeSpan.FromSeconds(120));
        }

        public async Task DisposeAsync()
        {
            if (Host is not null)
            {
                await Host.DisposeAsync();
            }

            _azurite?.Dispose();
            Network?.Dispose();
        }
    }
}
