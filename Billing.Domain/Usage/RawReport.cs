using System.IO.Compression;
using System.Security.Cryptography;

namespace Billing.Domain.Usage;

/// <summary>A delivery's raw bytes, gzip-compressed for <c>VapiCallReport</c>, with their SHA-256 for audits.</summary>
public sealed record RawReport(byte[] Gzip, byte[] Sha256, int Length)
{
    public static RawReport Of(ReadOnlySpan<byte> body)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }
        return new RawReport(compressed.ToArray(), SHA256.HashData(body), body.Length);
    }

    public byte[] Decompress()
    {
        using var gzip = new GZipStream(new MemoryStream(Gzip), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }
}

/// <summary>How long raw reports are kept (<c>Vapi:Webhook:RawPayloadRetentionDays</c>, default 90).</summary>
public sealed record RawReportRetention(TimeSpan Period);
