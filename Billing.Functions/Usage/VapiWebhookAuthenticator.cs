using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Functions.Usage;

/// <summary>Checks Vapi's credential on a webhook request; every secret comparison is constant-time.</summary>
public sealed class VapiWebhookAuthenticator
{
    private readonly IOptions<VapiWebhookOptions> options;
    private readonly TimeProvider clock;

    public VapiWebhookAuthenticator(IOptions<VapiWebhookOptions> options, TimeProvider clock, ILogger<VapiWebhookAuthenticator> logger)
    {
        this.options = options;
        this.clock = clock;
        if (options.Value.AllowUnauthenticated)
        {
            // Said once per instance, as soon as the webhook is first used: anyone can then record usage.
            logger.LogWarning("Vapi:Webhook:AllowUnauthenticated is on: the webhook accepts requests without any credential");
        }
    }

    /// <summary>What the headers alone say about a request.</summary>
    public enum HeaderVerdict
    {
        /// <summary>A header credential (X-Vapi-Secret or bearer) matched, or no credential is required.</summary>
        Accepted,
        /// <summary>Only an HMAC signature can still prove it: the body must be read (bounded) and verified.</summary>
        NeedsSignedBody,
        /// <summary>No credential can match: answer 401 without reading the body.</summary>
        Refused,
    }

    /// <summary>Checks the credentials that travel in headers, before a byte of the body is read.</summary>
    public HeaderVerdict CheckHeaders(HttpRequest request)
    {
        var o = options.Value;
        if (o.AllowUnauthenticated
            || AnyEquals(o.Secrets, request.Headers["X-Vapi-Secret"].ToString())
            || BearerMatches(o, request))
        {
            return HeaderVerdict.Accepted;
        }
        return o.HmacSecrets.Count > 0 && request.Headers[o.SignatureHeader].Count > 0 && request.Headers[o.TimestampHeader].Count > 0
            ? HeaderVerdict.NeedsSignedBody
            : HeaderVerdict.Refused;
    }

    /// <summary>Verifies the HMAC signature over the body read after <see cref="CheckHeaders"/> asked for it.</summary>
    public bool IsSignedBody(HttpRequest request, ReadOnlySpan<byte> body) => HmacMatches(options.Value, request, body);

    private static bool BearerMatches(VapiWebhookOptions o, HttpRequest request)
    {
        if (o.BearerTokens.Count == 0)
        {
            return false;
        }
        var value = request.Headers[o.BearerHeader].ToString();
        if (o.BearerPrefix)
        {
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            value = value["Bearer ".Length..].Trim();
        }
        return AnyEquals(o.BearerTokens, value);
    }

    private bool HmacMatches(VapiWebhookOptions o, HttpRequest request, ReadOnlySpan<byte> body)
    {
        if (o.HmacSecrets.Count == 0)
        {
            return false;
        }
        var timestamp = request.Headers[o.TimestampHeader].ToString();
        var signatureText = request.Headers[o.SignatureHeader].ToString();
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var stamp) || !IsFresh(stamp, o)
            || !signatureText.StartsWith(o.SignaturePrefix, StringComparison.Ordinal)
            || Decode(signatureText[o.SignaturePrefix.Length..], o.SignatureEncoding) is not { } signature)
        {
            return false;
        }
        // Payload "{timestamp}.{body}", over the raw bytes exactly as received.
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed.AsSpan(timestamp.Length + 1));

        var matched = false;
        foreach (var secret in o.HmacSecrets)
        {
            var expected = Hmac(o.HmacAlgorithm, Encoding.UTF8.GetBytes(secret), signed);
            matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return matched;
    }

    /// <summary>Vapi does not document the timestamp's unit: values above 10^11 are read as milliseconds, else seconds.</summary>
    private bool IsFresh(long stamp, VapiWebhookOptions o)
    {
        // Clamped to DateTimeOffset's range (year 9999): a larger stamp is simply not fresh, never an exception.
        var sent = stamp > 100_000_000_000
            ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(stamp, 253_402_300_799_999))
            : DateTimeOffset.FromUnixTimeSeconds(stamp);
        return (clock.GetUtcNow() - sent).Duration() <= TimeSpan.FromSeconds(o.TimestampToleranceSeconds);
    }

    private static byte[] Hmac(string algorithm, byte[] key, byte[] data) => algorithm switch
    {
        "sha512" => HMACSHA512.HashData(key, data),
        "sha1" => HMACSHA1.HashData(key, data),
        _ => HMACSHA256.HashData(key, data),
    };

    private static byte[]? Decode(string text, string encoding)
    {
        try
        {
            return encoding == "base64" ? Convert.FromBase64String(text.Trim()) : Convert.FromHexString(text.Trim());
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Compares against every configured secret without stopping early, so timing says nothing about which matched.</summary>
    private static bool AnyEquals(List<string> secrets, string presented)
    {
        if (secrets.Count == 0 || presented.Length == 0)
        {
            return false;
        }
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var matched = false;
        foreach (var secret in secrets)
        {
            matched |= CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), presentedHash);
        }
        return matched;
    }
}
