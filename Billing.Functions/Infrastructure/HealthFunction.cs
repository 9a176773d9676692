using Billing.Domain.Data;
using Billing.Domain.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Infrastructure;

/// <summary>Liveness and readiness in one: the app runs and its database answers with the expected schema; and how the outbox fares.</summary>
public sealed class HealthFunction(BillingDbContext db, OutboxQueries outbox, ILogger<HealthFunction> logger)
{
    public sealed record HealthReport(string Status, string Database, IReadOnlyList<string> PendingMigrations, OutboxHealth? Outbox);

    /// <summary>Dead letters and a growing oldest age need an operator; they do not make the instance unready.</summary>
    public sealed record OutboxHealth(int Pending, int Dead, double? OldestPendingAgeSeconds, IReadOnlyDictionary<string, string> Off);

    [Function(nameof(Health))]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                return TypedResults.Json(new HealthReport("degraded", "migrations pending", pending, null),
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            var figures = await outbox.HealthAsync(cancellationToken);
            return TypedResults.Ok(new HealthReport("healthy", "ok", pending, new OutboxHealth(figures.Pending, figures.Dead,
                figures.OldestPendingAge is { } age ? Math.Round(age.TotalSeconds) : null, figures.DisabledKinds)));
        }
        catch (Exception exception) when (DatabaseFaults.IsUnavailable(exception, cancellationToken))
        {
            logger.LogWarning(exception, "Health check could not reach the database");
            return Problems.DatabaseUnavailable(DatabaseFaults.RetryAfterSeconds(exception));
        }
    }
}
