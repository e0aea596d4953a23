using System.Diagnostics;
using System.Net.Http.Headers;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// Oversized bodies (docs/security.md): a client that sends a body far over the limit reads the 413 instead of a
/// connection reset, in curl, .NET's HttpClient and Node's fetch, 20 tries out of 20 each. The self-hosted runner lets
/// Kestrel drain up to 8 MiB after the answer (src/ScTransfer.SelfHost/Program.cs); without it the socket closes on
/// unread data.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.Node)]
[Trait(Needs.Trait, Needs.Shell)]
public sealed class OversizeBodyTests : IAsyncLifetime
{
    private const int Tries = 20;
    private const int BodyBytes = 5 * 1024 * 1024;

    private RelayHost _relay = null!;

    // Sixty oversized creates from one address are not what this measures: the limits are off here.
    public async Task InitializeAsync() => _relay = await RelayHost.StartAsync(new Dictionary<string, string> { ["RateLimiting__Enabled"] = "false" });

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    private Uri CreateUrl => new(_relay.BaseAddress, "v1/m");

    [Fact]
    public async Task HttpClient_reads_the_413_every_time()
    {
        var body = new byte[BodyBytes];
        Array.Fill(body, (byte)'A');
        var statuses = new List<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < Tries; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, CreateUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("deviceClaim", RelayClient.NewId());
            try
            {
                using var response = await http.SendAsync(request);
                statuses.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (HttpRequestException e)
            {
                statuses.Add("error " + e.HttpRequestError);
            }
        }

        Assert.All(statuses, status => Assert.Equal("413", status));
    }

    [Fact]
    public async Task Curl_reads_the_413_every_time()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, Enumerable.Repeat((byte)'A', BodyBytes).ToArray());
            var statuses = new List<string>();
            for (var i = 0; i < Tries; i++)
            {
                // Curl's defaults: Expect: 100-continue for a body this large, which the relay never grants.
                var (exit, output) = await RunAsync("curl", [
                    "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                    "-H", "deviceClaim: " + RelayClient.NewId(), "--data-binary", "@" + file, CreateUrl.AbsoluteUri]);
                statuses.Add(exit == 0 ? output.Trim() : $"exit {exit}: {output.Trim()}");
            }

            Assert.All(statuses, status => Assert.Equal("413", status));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Node_fetch_reads_the_413_every_time()
    {
        var (exit, output) = await RunAsync("node", [
            Path.Combine(Repository.Root, "tests", "interop", "oversize-body.mjs"), CreateUrl.AbsoluteUri,
            Tries.ToString(System.Globalization.CultureInfo.InvariantCulture), BodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(0, exit);
        var statuses = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Tries, statuses.Length);
        Assert.All(statuses, status => Assert.Equal("413", status));
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, string[] args)
    {
        var (exit, output, error) = await new ProcessStartInfo(program, args).RunToEndAsync(TimeSpan.FromMinutes(2));
        return (exit, output + error);
    }
}
