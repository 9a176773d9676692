using Billing.Domain.Outbox;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Outbox;

/// <summary>The outbox: delivered every minute (<c>OutboxSchedule</c>), listed to operators.</summary>
public sealed class OutboxFunctions(OutboxDispatcher dispatcher, OutboxQueries outbox, CallerResolver callers, ILogger<OutboxFunctions> logger)
{
    /// <summary>Several instances may run this at once: claims skip each other's messages (see OutboxDispatcher).</summary>
    [Function("OutboxDelivery")]
    public async Task Deliver([TimerTrigger("%OutboxSchedule%")] TimerInfo timer, CancellationToken ct)
    {
        if (timer.IsPastDue)
        {
            logger.LogInformation("Outbox delivery is running late (missed schedule)");
        }
        await dispatcher.RunAsync(ct);
        await outbox.HealthAsync(ct); // publishes the billing.outbox.* gauges the dead-letter alert watches
    }

    [Function(nameof(ListOutbox))]
    public Task<IResult> ListOutbox(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "outbox")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Admin, ["status", "limit", "cursor"], (_, q) =>
        {
            var status = q.Enum<OutboxStatus>("status", TextCase.Lower);
            var limit = q.Int("limit", 100, 1, OutboxQueries.MaxLimit);
            var cursor = q.Text("cursor", 1000);
            return q.RespondAsync(async () =>
            {
                try
                {
                    var page = await outbox.ListAsync(status, limit, cursor, ct);
                    return q.List(page.Items.Select(OutboxMessageView.From).ToList(), page.NextCursor);
                }
                catch (InvalidCursorException e)
                {
                    return Problems.Invalid("cursor", e.Message + " Start again without one.");
                }
            });
        }, ct);
}

public sealed record OutboxMessageView(Guid Id, string Kind, string Key, string Status, int Attempts, string CreatedAt, string NextAttemptAt,
    string? LeasedUntil, string? SentAt, string? DeadAt, string? LastError)
{
    public static OutboxMessageView From(OutboxMessage m) => new(m.Id, m.Kind, m.Key, Formats.Lower(m.Status), m.Attempts,
        Formats.Instant(m.CreatedAt), Formats.Instant(m.NextAttemptAt), Formats.Instant(m.LeasedUntil), Formats.Instant(m.SentAt),
        Formats.Instant(m.DeadAt), m.LastError);
}
