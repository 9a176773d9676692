using System.Buffers;

namespace Billing.Functions.Infrastructure;

/// <summary>A webhook's raw body, read no further than its limit.</summary>
public static class BoundedBody
{
    /// <summary>The body's bytes, or null once it passes the limit (a chunked body has no Content-Length to check first).</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, int limit, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await body.ReadAsync(memory, ct);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }
            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null;
            }
        }
    }
}
