using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Payments;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// The HTTP side of <see cref="IdempotencyKeys"/>: reads the <c>Idempotency-Key</c> header (a structured-field string,
/// quoted or bare), fingerprints the request (method, path and the body as parsed, so whitespace and field order do not
/// matter), runs the handler once and answers every repeat with the first answer's status and body.
/// </summary>
public sealed class IdempotentRequests(IdempotencyKeys keys)
{
    public const string Header = "Idempotency-Key";

    private static readonly JsonSerializerOptions FingerprintJson = new(JsonSerializerDefaults.Web);

    public async Task<IResult> RespondAsync(HttpRequest request, Caller caller, bool required, object body, Func<Task<IResult>> handle,
        CancellationToken ct)
    {
        var values = request.Headers[Header];
        if (values.Count == 0)
        {
            return required
                ? Problems.Invalid(Header, "Send an Idempotency-Key header: a unique string per operation (a UUID), reused only to retry it.")
                : await handle();
        }
        var key = values.Count == 1 ? Parse(values[0]) : null;
        if (key is null)
        {
            return Problems.Invalid(Header, $"Expected one key of 1 to {IdempotencyKeys.MaxKeyLength} printable ASCII characters.");
        }
        var fingerprint = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(
            new { request.Method, Path = request.Path.Value, Body = body }, FingerprintJson));
        var result = await keys.RunAsync(caller.KeyId, key, fingerprint, async () => await CaptureAsync(await handle(), request.HttpContext), ct);
        return result.Outcome switch
        {
            IdempotencyKeys.Outcome.InFlight => Problems.Conflict(
                "A request with this Idempotency-Key is still being processed; retry once it has finished."),
            IdempotencyKeys.Outcome.Mismatch => Problems.Invalid(Header,
                "This Idempotency-Key was used for a different request; use a new key for a new operation.", StatusCodes.Status422UnprocessableEntity),
            _ => new StoredAnswer(result.Answer!),
        };
    }

    /// <summary>The key without the quotes of its structured-field form; null when it is empty, too long or not printable ASCII.</summary>
    private static string? Parse(string? value)
    {
        var key = value?.Trim() ?? "";
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }
        return key.Length is > 0 and <= IdempotencyKeys.MaxKeyLength && key.All(c => c is >= ' ' and <= '~') ? key : null;
    }

    /// <summary>Executes the handler's result into a buffer: the status, content type and body are what is stored and sent.</summary>
    private static async Task<IdempotencyKeys.Answer> CaptureAsync(IResult result, HttpContext http)
    {
        var context = new DefaultHttpContext { RequestServices = http.RequestServices };
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await result.ExecuteAsync(context);
        return new IdempotencyKeys.Answer(context.Response.StatusCode, context.Response.ContentType ?? "application/json",
            Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private sealed class StoredAnswer(IdempotencyKeys.Answer answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = answer.Status;
            httpContext.Response.ContentType = answer.ContentType;
            await httpContext.Response.WriteAsync(answer.Body, Encoding.UTF8);
        }
    }
}
