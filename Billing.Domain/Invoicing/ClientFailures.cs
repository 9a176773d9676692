using Billing.Domain.Data;
using Billing.Domain.Reports;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Domain.Invoicing;

/// <summary>A client's failure in one run, as the run reports it (and records it, unless a dry run).</summary>
public sealed record ClientFailureReport(string ClientId, string Step, string? Period, string Error);

/// <summary>
/// The cycle's record of client failures (<see cref="ClientFailure"/>, docs/decisions/0021): recorded when a step fails
/// on one client's data, resolved when a later run does that step for the client without failing, listed for
/// operators (CLI, admin API, health).
/// </summary>
public sealed class ClientFailures(BillingDbContext db, TimeProvider clock)
{
    public const int MaxLimit = 500;
    private const string SortName = "FirstSeenAt";

    /// <summary>What failed, in words an operator can act on: the SQLSTATE and PostgreSQL's message (which names no
    /// values: Npgsql leaves the detail out), or the exception's type and message; prefixed by the statement when known.</summary>
    public static string Describe(Exception e, string? statement = null)
    {
        var text = Innermost(e) switch
        {
            PostgresException p => $"{p.SqlState}: {p.MessageText}",
            var inner => $"{inner.GetType().Name}: {inner.Message}",
        };
        text = statement is null ? text : $"{statement}: {text}";
        return text.Length <= 2000 ? text : text[..2000];
    }

    private static Exception Innermost(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is PostgresException)
            {
                return x;
            }
        }
        return e.InnerException is { } inner && e is DbUpdateException ? inner : e;
    }

    /// <summary>Records (or updates the open row of) each failure; <paramref name="retryFrom"/> keeps the earliest instant.</summary>
    public async Task RecordAsync(Guid runId, ClientFailureReport failure, DateTimeOffset? retryFrom, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await new Sql("""
            INSERT INTO "ClientFailure" ("clientId", "step", "period", "error", "firstSeenAt", "lastSeenAt", "attempts", "lastRunId", "retryFrom")
            VALUES (@client_id, @step, @period, @error, @now, @now, 1, @run_id, @retry_from)
            ON CONFLICT ("clientId", "step") WHERE "resolvedAt" IS NULL DO UPDATE SET
                "period" = EXCLUDED."period", "error" = EXCLUDED."error", "lastSeenAt" = EXCLUDED."lastSeenAt",
                "attempts" = "ClientFailure"."attempts" + 1, "lastRunId" = EXCLUDED."lastRunId",
                "retryFrom" = LEAST("ClientFailure"."retryFrom", EXCLUDED."retryFrom")
            """)
            .With("client_id", failure.ClientId).With("step", failure.Step).With("period", failure.Period).With("error", failure.Error)
            .With("now", now).With("run_id", runId).With("retry_from", retryFrom)
            .ExecuteAsync(db, ct);
    }

    /// <summary>
    /// Records a run's client failures and resolves the open ones of every client each step just did without failing.
    /// Reconciliation failures are resolved only by a run that reached Vapi; overdue marking and credit cover all clients.
    /// </summary>
    public async Task RecordRunAsync(Guid runId, string? scope, bool reachedVapi, CycleFailures failures, CancellationToken ct)
    {
        foreach (var (report, retryFrom) in failures.Entries)
        {
            await RecordAsync(runId, report, retryFrom, ct);
        }
        foreach (var step in CycleSteps.All.Where(s => s != CycleSteps.Reconciliation || reachedVapi))
        {
            await ResolveAsync(step, step is CycleSteps.Overdue or CycleSteps.Credit ? null : scope, failures.Of(step), ct);
        }
    }

    /// <summary>
    /// Resolves the open failures of <paramref name="step"/> of the clients the step just did without failing: those in
    /// <paramref name="scope"/> (null: every client) that are not in <paramref name="failed"/>.
    /// </summary>
    public Task<int> ResolveAsync(string step, string? scope, IEnumerable<string> failed, CancellationToken ct) => new Sql("""
        UPDATE "ClientFailure" SET "resolvedAt" = @now
        WHERE "resolvedAt" IS NULL AND "step" = @step AND (@scope::text IS NULL OR "clientId" = @scope) AND NOT ("clientId" = ANY(@failed))
        """)
        .With("now", clock.GetUtcNow()).With("step", step).With("scope", scope).With("failed", failed.Distinct().ToArray())
        .ExecuteAsync(db, ct);

    public Task<int> OpenCountAsync(CancellationToken ct) => db.ClientFailures.CountAsync(f => f.ResolvedAt == null, ct);

    /// <summary>Oldest first, keyset-paged by (firstSeenAt, id); open ones only unless <paramref name="includeResolved"/>.</summary>
    public async Task<Page<ClientFailure>> ListAsync(bool includeResolved, string? clientId, int limit, string? cursor, CancellationToken ct)
    {
        var query = db.ClientFailures.AsNoTracking().Where(f => (includeResolved || f.ResolvedAt == null) && (clientId == null || f.ClientId == clientId));
        if (cursor is not null)
        {
            var (after, id) = KeysetCursor.DecodeInstant(cursor, SortName, descending: false);
            query = query.Where(f => EF.Functions.GreaterThan(ValueTuple.Create(f.FirstSeenAt, f.Id), ValueTuple.Create(after, id)));
        }
        var rows = await query.OrderBy(f => f.FirstSeenAt).ThenBy(f => f.Id).Take(limit + 1).ToListAsync(ct);
        if (rows.Count <= limit)
        {
            return new Page<ClientFailure>(rows, null);
        }
        rows.RemoveAt(limit);
        return new Page<ClientFailure>(rows, KeysetCursor.Encode(SortName, false, KeysetCursor.Instant(rows[^1].FirstSeenAt), rows[^1].Id));
    }
}
