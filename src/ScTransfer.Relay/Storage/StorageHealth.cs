using System.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Whether Table storage is answering, as <see cref="StorageCircuitBreaker"/> sees each attempt; the HTTP layer asks it so
/// an outage never shows as a 429 (docs/security.md, "A store that stops answering").
/// </summary>
public sealed class StorageHealth(TimeProvider time, TimeSpan stallThreshold)
{
    /// <summary><see cref="StallThreshold"/> under the default <see cref="Configuration.StorageOptions.NetworkTimeout"/> of 3 s.</summary>
    public static readonly TimeSpan DefaultStallThreshold = TimeSpan.FromSeconds(1);

    /// <summary>A health that calls storage stalled after <see cref="DefaultStallThreshold"/> without an answer.</summary>
    public StorageHealth(TimeProvider time)
        : this(time, DefaultStallThreshold)
    {
    }

    /// <summary>
    /// No storage answer for this long while calls wait on it: storage is stalled. A third of the per-attempt network
    /// timeout: an attempt that goes that long unanswered is already far outside what storage takes when it works.
    /// </summary>
    public TimeSpan StallThreshold { get; } = stallThreshold;

    internal static TimeSpan StallThresholdFor(Configuration.StorageOptions storage) => storage.NetworkTimeout / 3;

    private int _inFlight;
    private long _lastAnswer;
    private long _busySince;
    private volatile bool _breakerOpen;

    /// <summary>
    /// True while the breaker is open, or while storage calls are waiting and none has been answered for
    /// <see cref="StallThreshold"/> since they began: requests that hold places now are waiting on storage.
    /// </summary>
    public bool IsStalled
    {
        get
        {
            if (_breakerOpen)
            {
                return true;
            }

            if (Volatile.Read(ref _inFlight) == 0)
            {
                return false;
            }

            var since = Math.Max(Interlocked.Read(ref _lastAnswer), Interlocked.Read(ref _busySince));
            return time.GetElapsedTime(since) > StallThreshold;
        }
    }

    internal bool BreakerOpen
    {
        set => _breakerOpen = value;
    }

    /// <summary>A storage attempt leaves for storage.</summary>
    internal void Started()
    {
        if (Interlocked.Increment(ref _inFlight) == 1)
        {
            Interlocked.Exchange(ref _busySince, time.GetTimestamp());
        }
    }

    /// <summary>A storage attempt came back: <paramref name="answered"/> when storage answered (any status), not a timeout or a network failure.</summary>
    internal void Ended(bool answered)
    {
        if (answered)
        {
            Interlocked.Exchange(ref _lastAnswer, time.GetTimestamp());
        }

        Debug.Assert(Volatile.Read(ref _inFlight) > 0, "an attempt ended that never started");
        Interlocked.Decrement(ref _inFlight);
    }
}
