using Billing.Domain.Data;
using Billing.Domain.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Functions.Usage;

/// <summary>
/// Vapi's server URL. Records each end-of-call report as one usage row before answering 2xx; acknowledges every
/// other message type without work. Vapi waits up to 20 s and does not retry by default (see README).
/// </summary>
public sealed class VapiWebhookFunction(
    EndOfCallReportIngestion ingestion,
    VapiWebhookAuthenticator authenticator,
    DatabaseWorkGate gate,
    IOptions<VapiWebhookOptions> options,
    ILogger<VapiWebhookFunction> logger)
{
    public sealed record Acknowledgement(string MessageType, bool Stored, string? CallId = null, string? Outcome = null, bool Incomplete = false);

    [Function(nameof(VapiWebhook))]
    public async Task<IResult> VapiWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "vapi/webhook")] HttpRequest request,
        CancellationToken ct)
    {
        // Header credentials are checked before the body is read, so an unauthenticated caller costs no 8 MiB read.
        var verdict = authenticator.CheckHeaders(request);
        if (verdict == VapiWebhookAuthenticator.HeaderVerdict.Refused)
        {
            return Refused();
        }
        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return Problems.TooLarge(limit);
        }
        var body = await BoundedBody.ReadAsync(request.Body, limit, ct);
        if (body is null)
        {
            return Problems.TooLarge(limit);
        }
        // HMAC signs the body: only this mode reads it (bounded above) before the credential is proven.
        if (verdict == VapiWebhookAuthenticator.HeaderVerdict.NeedsSignedBody && !authenticator.IsSignedBody(request, body))
        {
            return Refused();
        }

        // Recording needs a connection: wait briefly for one of the instance's slots, else 503 (Vapi's backoffPlan retries).
        using var slot = await gate.EnterAsync(ct);
        if (slot is null)
        {
            logger.LogWarning("The webhook answered 503: the instance is at its bound of concurrent database work");
            return Problems.Busy(DatabaseWorkGate.RetryAfterSeconds);
        }
        EndOfCallReportIngestion.Result result;
        try
        {
            var completeWithin = options.Value.CompleteFromApi ? TimeSpan.FromSeconds(options.Value.CompleteFromApiTimeoutSeconds) : (TimeSpan?)null;
            result = await ingestion.IngestAsync(body, UsageSource.Webhook, completeWithin, ct);
        }
        catch (Exception e) when (DatabaseFaults.IsUnavailable(e, ct))
        {
            // Nothing was acknowledged, so a Vapi backoffPlan (README) delivers the report again.
            logger.LogError(e, "The database is unavailable; the webhook answered 503 and stored nothing");
            return Problems.DatabaseUnavailable(DatabaseFaults.RetryAfterSeconds(e));
        }

        return result switch
        {
            EndOfCallReportIngestion.Recorded r => TypedResults.Ok(new Acknowledgement(
                EndOfCallReportIngestion.EndOfCallReportType, true, r.CallId, r.Outcome.ToString().ToLowerInvariant(), r.Incomplete)),
            EndOfCallReportIngestion.Ignored i => TypedResults.Ok(new Acknowledgement(i.MessageType ?? "", false)),
            EndOfCallReportIngestion.Invalid { Malformed: true } invalid => Problems.Validation(invalid.Errors),
            EndOfCallReportIngestion.Invalid invalid => Problems.Validation(invalid.Errors, StatusCodes.Status422UnprocessableEntity),
            _ => throw new InvalidOperationException($"Unexpected ingestion result {result}"),
        };
    }

    private IResult Refused()
    {
        logger.LogWarning("Refused a webhook request without a valid Vapi credential");
        return Problems.Unauthorized("A valid Vapi credential (X-Vapi-Secret, bearer token or HMAC signature) is required.");
    }
}
