using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Infrastructure;

/// <summary>Liveness and readiness in one: the app runs and its database answers with the expected schema.</summary>
public sealed class HealthFunction(BillingDbContext db, ILogger<HealthFunction> logger)
{
    public sealed record HealthReport(string Status, string Database, IReadOnlyList<string> PendingMigrations);

    [Function(nameof(Health))]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            return pending.Count == 0
                ? TypedResults.Ok(new HealthReport("healthy", "ok", pending))
                : TypedResults.Json(new HealthReport("degraded", "migrations pending", pending),
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(exception, "Health check could not reach the database");
            return Problems.DatabaseUnavailable();
        }
    }
}
