using Billing.Domain.Data;
using Billing.Domain.Outbox;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// Liveness and readiness in one: the app runs and its database answers with the expected schema; and how the outbox
/// fares. Anonymous callers (probes, load balancers) learn only up, degraded or down; the details (pending migration
/// names, outbox figures and disabled kinds, open client failures of the billing cycle) are for an admin key; open
/// client failures make it degraded (still 200: the instance serves).
/// </summary>
public sealed class HealthFunction(BillingDbContext db, OutboxQueries outbox, InvoiceTaxes taxes, Billing.Domain.Invoicing.ClientFailures clientFailures,
    CallerResolver callers, ILogger<HealthFunction> logger)
{
    public const string Up = "up";
    public const string Degraded = "degraded";
    public const string Down = "down";

    /// <summary>What an anonymous caller sees.</summary>
    public sealed record HealthStatus(string Status);

    public sealed record HealthReport(string Status, string Database, IReadOnlyList<string> PendingMigrations, OutboxHealth? Outbox,
        EFacturaHealth? EFactura = null, ClientFailureHealth? ClientFailures = null);

    /// <summary>Clients the billing cycle skips until their data is fixed (GET /api/client-failures lists them): degraded, still ready.</summary>
    public sealed record ClientFailureHealth(int Open);

    /// <summary>Invoices e-Factura cannot take yet (they need an operator: an issuer, a client's buyer details, a rate); the instance stays ready.</summary>
    public sealed record EFacturaHealth(bool IssuerSet, int NotExportable);

    /// <summary>Dead letters and a growing oldest age need an operator; they do not make the instance unready.</summary>
    public sealed record OutboxHealth(int Pending, int Dead, double? OldestPendingAgeSeconds, IReadOnlyDictionary<string, string> Off);

    [Function(nameof(Health))]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        try
        {
            var detailed = request.Headers.Authorization.Count > 0
                           && (await callers.ResolveAsync(request, Access.Admin, cancellationToken)).Caller is not null;
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                return TypedResults.Json<object>(detailed ? new HealthReport(Degraded, "migrations pending", pending, null) : new HealthStatus(Degraded),
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            var openFailures = await clientFailures.OpenCountAsync(cancellationToken);
            var status = openFailures > 0 ? Degraded : Up;
            if (!detailed)
            {
                return TypedResults.Ok(new HealthStatus(status));
            }
            var figures = await outbox.HealthAsync(cancellationToken);
            var (issuerSet, notExportable) = await taxes.HealthAsync(cancellationToken);
            return TypedResults.Ok(new HealthReport(status, "ok", pending, new OutboxHealth(figures.Pending, figures.Dead,
                figures.OldestPendingAge is { } age ? Math.Round(age.TotalSeconds) : null, figures.DisabledKinds),
                new EFacturaHealth(issuerSet, notExportable), new ClientFailureHealth(openFailures)));
        }
        catch (Exception exception) when (DatabaseFaults.IsUnavailable(exception, cancellationToken))
        {
            // No key can be proven without the database either: everyone learns "down" and when to look again.
            logger.LogWarning(exception, "Health check could not reach the database");
            request.HttpContext.Response.Headers.RetryAfter =
                DatabaseFaults.RetryAfterSeconds(exception).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Json(new HealthStatus(Down), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
