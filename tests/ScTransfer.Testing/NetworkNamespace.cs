using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ScTransfer.Testing;

/// <summary>
/// A private Linux network namespace whose loopback interface carries the IPv6 addresses a test asks for, so that a
/// relay sees clients from any prefix (one /56, another /48) without a real IPv6 network. Needs root (CAP_SYS_ADMIN)
/// and iproute2's <c>ip</c>, as CI and these machines have (<see cref="Needs.NetworkNamespace"/>).
/// </summary>
/// <remarks>
/// The namespace belongs to one dedicated thread of the test process, which calls <c>unshare(CLONE_NEWNET)</c>: on
/// Linux a thread's namespace is its own, what it starts (processes, through fork) and opens (sockets) stays in that
/// namespace for life, and everything else of the test process stays where it was. So <see cref="RunAsync{T}"/> runs
/// code there: Azurite and the relay are started from it (their loopback is the namespace's), client sockets are created
/// there and then used from any thread. Chosen over the alternatives because it leaves nothing behind: a named
/// namespace (<c>ip netns add</c>) outlives a crashed test run, and re-running part of the test under <c>unshare -n</c>
/// would need a second test host and a way back for its results. The namespace disappears once the thread has ended and
/// the last process and socket in it are gone; nothing in it reaches the outside network (no package registry).
/// </remarks>
public sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    private NetworkNamespace()
    {
        _thread = new Thread(() =>
        {
            foreach (var work in _work.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "network namespace",
        };
        _thread.Start();
    }

    /// <summary>
    /// A new namespace with its loopback up, carrying 127.0.0.1, ::1 and each of <paramref name="addresses"/> (as /128s).
    /// Throws, saying what is missing, where namespaces cannot be made (not root, no <c>ip</c>).
    /// </summary>
    public static async Task<NetworkNamespace> CreateAsync(IEnumerable<IPAddress> addresses)
    {
        var network = new NetworkNamespace();
        try
        {
            var commands = new[] { "link set lo up" }
                .Concat(addresses.Select(a => $"address add {a}/{(a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)} dev lo nodad"));
            await network.RunAsync(() =>
            {
                if (Unshare(CloneNewNet) != 0)
                {
                    throw new InvalidOperationException(
                        $"unshare(CLONE_NEWNET) failed (errno {Marshal.GetLastPInvokeError()}): a private network namespace needs root (CAP_SYS_ADMIN) on Linux.");
                }

                Ip(commands);
                return true;
            }).DefaultTimeout();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on the namespace's thread: processes it starts and sockets it opens are the namespace's.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>A TCP connection to <paramref name="relay"/> (inside the namespace) from <paramref name="local"/>, one of its addresses.</summary>
    public async Task<Socket> ConnectFromAsync(IPAddress local, Uri relay, CancellationToken cancellationToken) =>
        await LoopbackAddresses.ConnectAsync(await RunAsync(() => LoopbackAddresses.NewSocket(local)), local, relay, cancellationToken);

    /// <summary>An HttpClient whose every connection comes from <paramref name="local"/>, inside the namespace.</summary>
    public HttpClient HttpClientFrom(IPAddress local, Uri relay) =>
        LoopbackAddresses.HttpClientFrom(relay, cancellationToken => ConnectFromAsync(local, relay, cancellationToken));

    /// <summary>Ends the namespace's thread; the namespace goes with the last process and socket in it.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        if (!_thread.Join(Timeouts.Default))
        {
            throw new TimeoutException("The network namespace's thread did not end within 30 s.");
        }

        _work.Dispose();
    }

    /// <summary>Runs <c>ip -batch -</c> with <paramref name="commands"/>, one a line, in this thread's namespace.</summary>
    private static void Ip(IEnumerable<string> commands)
    {
        Process ip;
        try
        {
            ip = Process.Start(new ProcessStartInfo("ip", ["-batch", "-"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("iproute2's `ip` is not installed (apt-get install iproute2): it sets up the network namespace.", e);
        }

        using (ip)
        {
            foreach (var command in commands)
            {
                ip.StandardInput.WriteLine(command);
            }

            ip.StandardInput.Close();
            var errors = ip.StandardError.ReadToEndAsync();
            ip.StandardOutput.ReadToEnd();
            if (!ip.WaitForExit(Timeouts.Default) || ip.ExitCode != 0)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"`ip -batch -` failed setting up the network namespace: {errors.GetAwaiter().GetResult()}"));
            }
        }
    }

    // Blittable arguments only: DllImport marshals nothing, so it needs no unsafe code (LibraryImport would).
    [DllImport("libc", EntryPoint = "unshare", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Unshare(int flags);
}
