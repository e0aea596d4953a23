using System.Buffers;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// A growable byte buffer on <see cref="ArrayPool{T}.Shared"/>: request bodies are written into it and response bodies
/// read into it, so a point operation allocates no body-sized array of its own. Dispose returns the array.
/// </summary>
internal sealed class PooledBuffer(int initialSize) : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(initialSize);
    private int _written;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    public ArraySegment<byte> WrittenSegment => new(_array, 0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Reads the whole stream into the buffer.</summary>
    public async Task ReadFromAsync(Stream stream, CancellationToken cancellationToken)
    {
        int read;
        while ((read = await stream.ReadAsync(GetMemory(1024), cancellationToken)) > 0)
        {
            _written += read;
        }
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
        _array.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
