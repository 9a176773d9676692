using System.Diagnostics;
using System.Globalization;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The billing cycle: every closed, unbilled period of every active client becomes one invoice, oldest first, so
/// one run after any downtime catches up. Idempotent and safe to run twice at once: periods are computed and
/// invoiced under a transaction-scoped advisory lock, and (clientId, perioada) is unique. Issued invoices never
/// change; calls that arrive after their period was invoiced are billed on the client's next invoice as late usage.
/// </summary>
public sealed class BillingCycle(
    BillingDbContext db,
    NpgsqlDataSource dataSource,
    UsageMaintenance maintenance,
    VapiReconciliation reconciliation,
    IOptions<BillingOptions> options,
    IOptions<VapiOptions> vapiOptions,
    TimeProvider clock,
    ILogger<BillingCycle> logger)
{
    /// <summary>Serialises billing runs across instances; transaction-scoped, so it also works behind PgBouncer.</summary>
    private const long CycleLockKey = 0x42_696C_6C69_6E67; // "Billing"
    private const int MaxPeriodsPerClient = 240;

    /// <summary>A period to invoice. Late usage of the client is looked for in [LateFrom, LateBefore): from the start of
    /// its first period to the start of its first period without an invoice, i.e. only in periods already invoiced,
    /// among calls stamped after <paramref name="LateAfterEpoch"/>, the epoch its last invoice counted.</summary>
    private sealed record Due(Client Client, TimeZoneInfo Zone, BillingPeriod Period, decimal Fee, DateOnly DueDate,
        DateTimeOffset LateFrom, DateTimeOffset LateBefore, long LateAfterEpoch);

    /// <summary>How far before the last successful reconciliation the next one looks again, for calls that were still in
    /// progress then (Vapi calls last at most 12 hours).</summary>
    private static readonly TimeSpan ReconciliationOverlap = TimeSpan.FromDays(1);

    public async Task<BillingRunSummary> RunAsync(BillingRunRequest request, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var asOf = request.AsOf.ToUniversalTime();
        var run = new BillingRun
        {
            StartedAt = clock.GetUtcNow(),
            AsOf = asOf,
            Trigger = request.Trigger,
            DryRun = request.DryRun,
            ClientId = request.ClientId,
        };
        if (!request.DryRun)
        {
            db.BillingRuns.Add(run);
            await db.SaveChangesAsync(ct);
        }

        try
        {
            var (status, counts) = request.DryRun ? ("skipped", new VapiReconciliation.Counts(0, 0, 0)) : await ReconcileAsync(request, asOf, ct);
            if (!request.DryRun)
            {
                await maintenance.AttributeUnassignedCallsAsync(ct);
                await maintenance.PurgeExpiredReportsAsync(ct);
            }
            // Only a run that reached Vapi issues reconciled invoices; a dry run shows what a successful run would issue.
            var (clientsSeen, drafts, skipped) = await InvoiceAsync(request, asOf, run, reconciled: status == "ok" || request.DryRun, ct);
            var overdue = request.DryRun ? 0 : await MarkOverdueAsync(asOf, ct);

            var summary = new BillingRunSummary(request.DryRun ? null : run.Id, asOf, request.DryRun, clientsSeen, drafts.Count, skipped, overdue,
                status, counts.Found, counts.Inserted, counts.Completed, stopwatch.Elapsed, drafts);
            logger.LogInformation(
                "Billing run {RunId} as of {AsOf}{DryRun}: {ClientsSeen} clients seen, {InvoicesCreated} invoices created, {InvoicesSkipped} skipped, " +
                "{Overdue} marked overdue, reconciliation {Reconciliation} ({CallsFound} calls found, {CallsInserted} inserted, {CallsCompleted} completed), {DurationMs} ms",
                summary.RunId, asOf, request.DryRun ? " (dry run)" : "", clientsSeen, drafts.Count, skipped, overdue, status,
                counts.Found, counts.Inserted, counts.Completed, (long)stopwatch.Elapsed.TotalMilliseconds);

            if (!request.DryRun)
            {
                run.ClientsSeen = clientsSeen;
                run.InvoicesCreated = drafts.Count;
                run.InvoicesSkipped = skipped;
                run.InvoicesMarkedOverdue = overdue;
                run.Reconciliation = status;
                (run.CallsFound, run.CallsInserted, run.CallsCompleted) = (counts.Found, counts.Inserted, counts.Completed);
                run.FinishedAt = clock.GetUtcNow();
                await db.SaveChangesAsync(ct);
            }
            return summary;
        }
        catch (Exception e) when (!request.DryRun && e is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await db.BillingRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Error, e.GetType().Name + ": " + e.Message)
                .SetProperty(r => r.FinishedAt, clock.GetUtcNow()), CancellationToken.None);
            throw;
        }
    }

    /// <summary>The open period of one client as its invoice would be if it closed now; nothing is written.</summary>
    public async Task<InvoiceDraft?> PreviewAsync(string clientId, CancellationToken ct)
    {
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client is null)
        {
            return null;
        }
        var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
        var now = clock.GetUtcNow();
        var open = BillingPeriod.Containing(now, client.BillingDay, zone);
        var last = await db.Invoices.Where(i => i.ClientId == clientId).OrderByDescending(i => i.Period)
            .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefaultAsync(ct);
        var firstUnbilled = FirstUnbilledPeriod(client, zone, last);
        var due = new Due(client, zone, open, FixedFee(client, zone, open), DueDate(client, zone, now),
            FirstPeriod(client, zone).StartsAt(zone), firstUnbilled.StartsAt(zone), last?.UsageEpoch ?? 0);
        var run = new BillingRun { StartedAt = now, AsOf = now, Trigger = "preview", DryRun = true };
        var (drafts, _) = await IssueAsync([due], run, now, reconciled: true, dryRun: true, ct, preview: true);
        return drafts.SingleOrDefault();
    }

    /// <summary>Sets the next number of an invoice series for a year; numbers are never reused, so it can only move forward.</summary>
    public async Task<bool> SetNextInvoiceNumberAsync(int year, long nextNumber, CancellationToken ct)
    {
        if (nextNumber < 1 || year is < 2000 or > 9999)
        {
            throw new ArgumentOutOfRangeException(nameof(nextNumber), "The year is 2000-9999 and the next number at least 1.");
        }
        return await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES ({options.Value.InvoiceSeries}, {year}, {nextNumber})
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = EXCLUDED."nextNumber"
            WHERE "InvoiceNumberSeries"."nextNumber" <= EXCLUDED."nextNumber"
            """, ct) == 1;
    }

    private async Task<(string Status, VapiReconciliation.Counts Counts)> ReconcileAsync(BillingRunRequest request, DateTimeOffset asOf, CancellationToken ct)
    {
        var none = new VapiReconciliation.Counts(0, 0, 0);
        if (!options.Value.ReconciliationEnabled)
        {
            return ("disabled", none);
        }
        // Reconcile before any invoicing, and otherwise once per interval. Only runs over all clients count as coverage.
        var dueClients = await DuePeriodsAsync(request.ClientId, asOf, ct);
        var lastOk = await db.BillingRuns.Where(r => r.Reconciliation == "ok" && r.ClientId == null && !r.DryRun)
            .OrderByDescending(r => r.AsOf).Select(r => new { r.StartedAt, r.AsOf }).FirstOrDefaultAsync(ct);
        var coveredUntil = lastOk?.AsOf;
        if (dueClients.Count == 0 && lastOk?.StartedAt > asOf.AddHours(-options.Value.ReconciliationIntervalHours))
        {
            return ("skipped", none);
        }
        if (string.IsNullOrWhiteSpace(vapiOptions.Value.ApiKey))
        {
            logger.LogWarning("Reconciliation needs Vapi:ApiKey; invoices of this run are marked unreconciled");
            return ("failed", none);
        }

        var clients = await db.Clients.AsNoTracking().Include(c => c.Assistants)
            .Where(c => c.Active && (request.ClientId == null || c.ClientId == request.ClientId))
            .Select(c => new
            {
                Client = c,
                // Periods invoiced while Vapi was unreachable, since the last run that reached it, are looked at again.
                OldestUnreconciled = db.Invoices.Where(i => i.ClientId == c.ClientId && !i.Reconciled
                                                            && (coveredUntil == null || i.IssuedAt >= coveredUntil))
                    .OrderBy(i => i.Period).Select(i => i.PeriodStart).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var windows = new List<VapiReconciliation.Window>();
        foreach (var (client, oldestUnreconciled) in clients.Select(c => (c.Client, c.OldestUnreconciled)))
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
            // From the oldest period still to invoice (or the open one), the oldest period invoiced unreconciled, and
            // the last successful reconciliation (less an overlap for calls then in progress), whichever is earliest.
            var from = dueClients.Where(d => d.Client.ClientId == client.ClientId).Select(d => d.Period.StartsAt(zone))
                .Append(BillingPeriod.Containing(asOf, client.BillingDay, zone).StartsAt(zone))
                .Append(oldestUnreconciled is { } start ? BillingPeriod.LocalMidnight(start, zone) : DateTimeOffset.MaxValue)
                .Append(coveredUntil is { } covered ? covered - ReconciliationOverlap : DateTimeOffset.MaxValue)
                .Min();
            windows.AddRange(client.Assistants.Where(a => a.Kind == VapiResourceKind.Assistant)
                .Select(a => new VapiReconciliation.Window(a.VapiId, from, asOf)));
        }
        try
        {
            return ("ok", await reconciliation.ReconcileAsync(windows, ct));
        }
        catch (VapiUnavailableException e)
        {
            logger.LogWarning("Reconciliation failed, invoicing from what is recorded: {Reason}", e.Message);
            return ("failed", none);
        }
    }

    private async Task<(int ClientsSeen, List<InvoiceDraft> Drafts, int Skipped)> InvoiceAsync(BillingRunRequest request, DateTimeOffset asOf,
        BillingRun run, bool reconciled, CancellationToken ct)
    {
        var clientsSeen = await db.Clients.CountAsync(c => c.Active && (request.ClientId == null || c.ClientId == request.ClientId), ct);
        var drafts = new List<InvoiceDraft>();
        var skipped = 0;
        var batchSize = options.Value.BatchSize;
        var all = await DuePeriodsAsync(request.ClientId, asOf, ct);
        foreach (var batch in all.GroupBy(d => d.Client.ClientId).Chunk(batchSize))
        {
            var (issued, skippedInBatch) = await IssueAsync(batch.SelectMany(g => g).ToList(), run, asOf, reconciled, request.DryRun, ct);
            drafts.AddRange(issued);
            skipped += skippedInBatch;
        }
        return (clientsSeen, drafts, skipped);
    }

    /// <summary>Every closed period not invoiced yet, per active client, oldest first.</summary>
    private async Task<List<Due>> DuePeriodsAsync(string? clientId, DateTimeOffset asOf, CancellationToken ct)
    {
        var clients = await db.Clients.AsNoTracking()
            .Where(c => c.Active && (clientId == null || c.ClientId == clientId))
            .Select(c => new
            {
                Client = c,
                Last = db.Invoices.Where(i => i.ClientId == c.ClientId).OrderByDescending(i => i.Period)
                    .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var grace = TimeSpan.FromHours(options.Value.GraceHours);
        var due = new List<Due>();
        foreach (var entry in clients)
        {
            var client = entry.Client;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
            var period = FirstUnbilledPeriod(client, zone, entry.Last);
            var (lateFrom, lateBefore) = (FirstPeriod(client, zone).StartsAt(zone), period.StartsAt(zone));
            for (var n = 0; n < MaxPeriodsPerClient && period.EndsAt(zone) + grace <= asOf; n++, period = period.Next)
            {
                due.Add(new Due(client, zone, period, FixedFee(client, zone, period), DueDate(client, zone, asOf), lateFrom, lateBefore,
                    entry.Last?.UsageEpoch ?? 0));
            }
        }
        return due.OrderBy(d => d.Period.Start).ThenBy(d => d.Client.ClientId, StringComparer.Ordinal).ToList();
    }

    /// <summary>A client's latest invoice; epochs only grow, so its epoch is the highest any of its invoices counted
    /// (0 for invoices that predate the epochs; one inserted by hand since is stamped by a trigger, see BillingEpochs).</summary>
    private sealed record LastInvoice(string Period, DateOnly? PeriodEnd, long? UsageEpoch);

    /// <summary>The client's first period: the one containing its billing start.</summary>
    private static BillingPeriod FirstPeriod(Client client, TimeZoneInfo zone) => BillingPeriod.Containing(BillingStart(client, zone), client.BillingDay);

    /// <summary>The period after the client's last invoice, or its first period.</summary>
    private static BillingPeriod FirstUnbilledPeriod(Client client, TimeZoneInfo zone, LastInvoice? last) => last is null
        ? FirstPeriod(client, zone)
        : BillingPeriod.Containing(last.PeriodEnd ?? AfterPeriodKey(last.Period, client.BillingDay), client.BillingDay);

    /// <summary>The day after a period known only by its key (invoices written by raw SQL have no period dates).</summary>
    private static DateOnly AfterPeriodKey(string period, int billingDay) =>
        DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(billingDay - 1).AddMonths(1);

    private static DateOnly BillingStart(Client client, TimeZoneInfo zone) =>
        client.BillingStartDate ?? BillingPeriod.LocalDate(client.CreatedAt, zone);

    /// <summary>The full monthly fee, or for a first, partial period of a client that prorates, the share of its days.</summary>
    private static decimal FixedFee(Client client, TimeZoneInfo zone, BillingPeriod period)
    {
        var start = BillingStart(client, zone);
        if (!client.ProrateFirstPeriod || start <= period.Start || start >= period.End)
        {
            return client.MonthlyFee;
        }
        return Money.RoundLine(client.MonthlyFee * (period.End.DayNumber - start.DayNumber) / period.Days);
    }

    private static DateOnly DueDate(Client client, TimeZoneInfo zone, DateTimeOffset issuedAt) =>
        BillingPeriod.LocalDate(issuedAt, zone).AddDays(client.PaymentTermDays);

    /// <summary>
    /// The batch's due periods, staged in a temporary table with statistics, so the planner joins 10,000 of them with
    /// hash joins; as an unnest of parameters it guesses a handful of rows and nested-loops the whole batch.
    /// </summary>
    private const string StageDueSql = """
        CREATE TEMP TABLE billing_due ON COMMIT DROP AS
        SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::timestamptz[], $6::timestamptz[],
                             $7::numeric[], $8::date[], $9::numeric[])
            AS d(client_id, period, period_start, period_end, from_ts, to_ts, fee, due_date, late_amount)
        """;

    private const string InsertInvoicesSql = """
        WITH due AS (
            SELECT * FROM billing_due
        ), usage AS (
            SELECT d.client_id, d.period,
                   count(u."id") AS calls,
                   count(u."id") FILTER (WHERE u."outcome" = 'success') AS successful,
                   COALESCE(sum(u."billableSeconds") FILTER (WHERE u."billable"), 0) AS seconds
            FROM due d
            LEFT JOIN "UsageLog" u ON u."clientId" = d.client_id AND u."occurredAt" >= d.from_ts AND u."occurredAt" < d.to_ts
                                  AND NOT u."incomplete" AND u."billingEpoch" <= $4
            GROUP BY d.client_id, d.period
        ), ins AS (
            INSERT INTO "Factura" ("clientId", "clientName", "perioada", "periodStart", "periodEnd", "minuteTotale", "totalCalls",
                "successfulCalls", "includedMinutes", "costPerMinut", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata",
                "currency", "status", "dueDate", "issuedAt", "vapiAssistantId", "reconciled", "billingRunId", "usageEpoch", "usageFrom", "usageTo",
                "number")
            SELECT d.client_id, c."clientName", d.period, d.period_start, d.period_end, round(u.seconds / 60, 4), u.calls,
                   u.successful, c."includedMinutes", c."costPerMinut", m.amount, d.fee, d.late_amount, m.amount + d.fee + d.late_amount,
                   c."currency", 'PENDING', d.due_date, $1,
                   (SELECT a."vapiId" FROM "ClientAssistant" a WHERE a."clientId" = c."clientId" AND a."kind" = 'assistant'
                    ORDER BY a."createdAt", a."vapiId" LIMIT 1),
                   $2, $3, $4, d.from_ts, d.to_ts,
                   -- Numbered in (period start, client) order from the series' next number ($5, NULL for a preview), at
                   -- least 6 digits and never cut: 1000000 follows 999999.
                   $6 || to_char($5 + row_number() OVER (ORDER BY d.period_start, d.client_id) - 1, 'FM999999999999000000')
            FROM due d
            JOIN "Client" c ON c."clientId" = d.client_id
            JOIN usage u ON u.client_id = d.client_id AND u.period = d.period
            -- One rounding, in PostgreSQL's round(numeric): half away from zero, as Money.RoundLine. Multiply before dividing:
            -- seconds / 60 is a repeating decimal that numeric truncates, which turns an exact midpoint such as
            -- 3602 s x 0.15 / 60 = 9.005 into 9.00499... and rounds it down.
            CROSS JOIN LATERAL (SELECT round(GREATEST(u.seconds - c."includedMinutes" * 60, 0) * c."costPerMinut" / 60, 2) AS amount) m
            -- Periods another run invoiced since this one listed them; skipped here so they take no number.
            WHERE NOT EXISTS (SELECT 1 FROM "Factura" f WHERE f."clientId" = d.client_id AND f."perioada" = d.period)
            ON CONFLICT ("clientId", "perioada") DO NOTHING
            RETURNING "id", "clientId", "perioada", "number"
        )
        SELECT "id", "clientId", "perioada", "number" FROM ins
        """;

    /// <summary>
    /// Each client's late calls through its own range of IX_UsageLog_late. OFFSET 0 keeps the subquery a per-client
    /// index probe: flattened, the planner hash-joins the whole table, since it cannot tell that the epoch range
    /// after a client's last invoice is narrow. Clients with no invoiced period are not probed at all.
    /// </summary>
    private const string LateCallsSql = """
        SELECT f.client_id, u."occurredAt", u."billableSeconds", u."cost", u."billable"
        FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::bigint[]) AS f(client_id, late_from, late_before, after_epoch)
        CROSS JOIN LATERAL (
            SELECT u."occurredAt", u."billableSeconds", u."cost", u."billable" FROM "UsageLog" u
            WHERE u."clientId" = f.client_id AND u."billingEpoch" > f.after_epoch AND u."billingEpoch" <= $5
              AND u."occurredAt" >= f.late_from AND u."occurredAt" < f.late_before AND NOT u."incomplete"
            OFFSET 0) u
        WHERE f.late_from < f.late_before
        """;

    /// <summary>
    /// Issues the invoices of one batch in one transaction; a dry run rolls it back. A preview (an open period, which no
    /// run invoices) neither waits for the cycle's lock nor takes a number.
    /// </summary>
    private async Task<(List<InvoiceDraft> Drafts, int Skipped)> IssueAsync(IReadOnlyList<Due> due, BillingRun run, DateTimeOffset issuedAt,
        bool reconciled, bool dryRun, CancellationToken ct, bool preview = false)
    {
        if (due.Count == 0)
        {
            return ([], 0);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        NpgsqlCommand Command(string sql) => new(sql, connection, (NpgsqlTransaction)transaction.GetDbTransaction());

        // The calls this batch bills: epochs up to one closed now, under the cycle's lock, so each client's invoices
        // count ever later epochs. A preview counts every call recorded so far.
        var epoch = long.MaxValue;
        if (!preview)
        {
            await using var lockCommand = Command($"SELECT pg_advisory_xact_lock({CycleLockKey})");
            await lockCommand.ExecuteNonQueryAsync(ct);
            epoch = await BillingEpochs.CloseAsync(dataSource, ct);
        }
        if (dryRun)
        {
            db.BillingRuns.Add(run);
            await db.SaveChangesAsync(ct);
        }

        // Late usage: calls of already invoiced periods, billed on each client's first invoice of this run.
        var firstDue = due.GroupBy(d => d.Client.ClientId).Select(g => g.First()).ToList();
        var firstDueSet = firstDue.ToHashSet(ReferenceEqualityComparer.Instance);
        var late = await LateUsageAsync(Command, firstDue, epoch, ct);

        var inserted = new List<(Guid Id, string ClientId, string Period, string? Number)>();
        var numbers = preview ? null : await TakeNumbersAsync(Command, issuedAt, ct);
        await using (var stage = Command(StageDueSql))
        {
            var p = stage.Parameters;
            p.Add(new NpgsqlParameter<string[]> { TypedValue = due.Select(d => d.Client.ClientId).ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = due.Select(d => d.Period.Key).ToArray() });
            p.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = due.Select(d => d.Period.Start).ToArray() });
            p.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = due.Select(d => d.Period.End).ToArray() });
            p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = due.Select(d => d.Period.StartsAt(d.Zone)).ToArray() });
            p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = due.Select(d => d.Period.EndsAt(d.Zone)).ToArray() });
            p.Add(new NpgsqlParameter<decimal[]> { TypedValue = due.Select(d => d.Fee).ToArray() });
            p.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = due.Select(d => d.DueDate).ToArray() });
            p.Add(new NpgsqlParameter<decimal[]>
            {
                TypedValue = due.Select(d => firstDueSet.Contains(d) && late.TryGetValue(d.Client.ClientId, out var l) ? l.Sum(x => x.Amount) : 0m).ToArray(),
            });
            await stage.ExecuteNonQueryAsync(ct);
        }
        await using (var analyze = Command("ANALYZE billing_due"))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }
        await using (var insert = Command(InsertInvoicesSql))
        {
            var p = insert.Parameters;
            p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = issuedAt });
            p.Add(new NpgsqlParameter<bool> { TypedValue = reconciled });
            p.Add(new NpgsqlParameter<Guid> { TypedValue = run.Id });
            p.Add(new NpgsqlParameter<long> { TypedValue = epoch });
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)numbers?.Next ?? DBNull.Value });
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)numbers?.Prefix ?? DBNull.Value });
            await using var reader = await insert.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                inserted.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var insertedIds = inserted.ToDictionary(i => (i.ClientId, i.Period), i => i.Id);
        foreach (var first in firstDue)
        {
            if (late.TryGetValue(first.Client.ClientId, out var lateUsage) && insertedIds.TryGetValue((first.Client.ClientId, first.Period.Key), out var invoiceId))
            {
                await RecordLateUsageAsync(Command, invoiceId, lateUsage, ct);
            }
        }
        if (numbers is not null)
        {
            await AdvanceNumbersAsync(Command, numbers, inserted.Select(i => i.Number!).ToList(), ct);
        }

        var ids = inserted.Select(i => i.Id).ToList();
        var drafts = await db.Invoices.AsNoTracking().Include(i => i.LateUsage).Where(i => ids.Contains(i.Id))
            .OrderBy(i => i.PeriodStart).ThenBy(i => i.ClientId) // the numbering order
            .Select(i => new InvoiceDraft(i.Id, i.Number, i.ClientId, i.Period, i.PeriodStart, i.PeriodEnd, i.Minutes, i.TotalCalls,
                i.SuccessfulCalls, i.MinutesAmount, i.FixedFee, i.LateUsageAmount, i.Total, i.Currency, i.DueDate, i.Reconciled,
                i.LateUsage.OrderBy(l => l.OriginalPeriod).Select(l => new LateUsageLine(l.OriginalPeriod, l.Calls, l.Minutes, l.Amount)).ToList()))
            .ToListAsync(ct);

        if (dryRun)
        {
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
        }
        else
        {
            await transaction.CommitAsync(ct);
        }
        return (drafts, due.Count - inserted.Count);
    }

    private static async Task<Dictionary<string, IReadOnlyList<LateUsageLine>>> LateUsageAsync(Func<string, NpgsqlCommand> command,
        List<Due> firstDue, long epoch, CancellationToken ct)
    {
        var calls = new List<(string ClientId, DateTimeOffset OccurredAt, decimal Seconds, decimal Cost, bool Billable)>();
        await using (var select = command(LateCallsSql))
        {
            select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = firstDue.Select(d => d.Client.ClientId).ToArray() });
            select.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = firstDue.Select(d => d.LateFrom).ToArray() });
            select.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = firstDue.Select(d => d.LateBefore).ToArray() });
            select.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = firstDue.Select(d => d.LateAfterEpoch).ToArray() });
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                calls.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDecimal(2), reader.GetDecimal(3),
                    reader.GetBoolean(4)));
            }
        }
        var clients = firstDue.ToDictionary(d => d.Client.ClientId);
        return calls.GroupBy(c => c.ClientId).ToDictionary(g => g.Key, IReadOnlyList<LateUsageLine> (g) =>
        {
            var due = clients[g.Key];
            return g.GroupBy(c => BillingPeriod.Containing(c.OccurredAt, due.Client.BillingDay, due.Zone).Key)
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new LateUsageLine(p.Key, p.Count(),
                    Math.Round(p.Where(c => c.Billable).Sum(c => c.Seconds) / 60m, 4, MidpointRounding.AwayFromZero),
                    Money.RoundLine(p.Where(c => c.Billable).Sum(c => c.Cost))))
                .ToList();
        });
    }

    private static async Task RecordLateUsageAsync(Func<string, NpgsqlCommand> command, Guid invoiceId, IReadOnlyList<LateUsageLine> late,
        CancellationToken ct)
    {
        await using var lines = command("""
            INSERT INTO "InvoiceLateUsage" ("facturaId", "originalPeriod", "calls", "minutes", "amount")
            SELECT $1, * FROM unnest($2::text[], $3::int[], $4::numeric[], $5::numeric[])
            """);
        lines.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = invoiceId });
        lines.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = late.Select(l => l.OriginalPeriod).ToArray() });
        lines.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = late.Select(l => l.Calls).ToArray() });
        lines.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = late.Select(l => l.Minutes).ToArray() });
        lines.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = late.Select(l => l.Amount).ToArray() });
        await lines.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The next number of the series for the year of issue, and the number prefix (<c>VAI-2025-</c>).</summary>
    private sealed record Numbers(string Series, int Year, string Prefix, long Next);

    /// <summary>Locks the series' row for the rest of the transaction (the insert numbers from it): no gaps, no reuse.</summary>
    private async Task<Numbers> TakeNumbersAsync(Func<string, NpgsqlCommand> command, DateTimeOffset issuedAt, CancellationToken ct)
    {
        var series = options.Value.InvoiceSeries;
        var year = issuedAt.UtcDateTime.Year;
        await using var next = command("""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES ($1, $2, 1)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber"
            RETURNING "nextNumber"
            """);
        next.Parameters.Add(new NpgsqlParameter<string> { TypedValue = series });
        next.Parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        var first = (long)(await next.ExecuteScalarAsync(ct))!;
        return new Numbers(series, year, $"{series}-{year.ToString(CultureInfo.InvariantCulture)}-", first);
    }

    /// <summary>Moves the series past the numbers the insert used. It numbered every period it selected, so a row then
    /// skipped by ON CONFLICT (an invoice inserted outside the cycle meanwhile) leaves a number below the highest one
    /// unused: a gap. The batch then fails and rolls back, and the next run retries.</summary>
    private static async Task AdvanceNumbersAsync(Func<string, NpgsqlCommand> command, Numbers numbers, IReadOnlyList<string> used,
        CancellationToken ct)
    {
        var highest = used.Select(n => long.Parse(n.AsSpan(numbers.Prefix.Length), CultureInfo.InvariantCulture)).DefaultIfEmpty(numbers.Next - 1).Max();
        if (highest != numbers.Next + used.Count - 1)
        {
            throw new InvalidOperationException(
                $"Invoice numbers from {Format(numbers, numbers.Next)} would have a gap: an invoice of this batch was inserted by someone else meanwhile.");
        }
        await using var advance = command("""
            UPDATE "InvoiceNumberSeries" SET "nextNumber" = "nextNumber" + $3 WHERE "series" = $1 AND "year" = $2
            """);
        advance.Parameters.Add(new NpgsqlParameter<string> { TypedValue = numbers.Series });
        advance.Parameters.Add(new NpgsqlParameter<int> { TypedValue = numbers.Year });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = used.Count });
        await advance.ExecuteNonQueryAsync(ct);
    }

    private static string Format(Numbers numbers, long n) => numbers.Prefix + n.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>PENDING invoices whose due date has passed in the client's zone become OVERDUE.</summary>
    private Task<int> MarkOverdueAsync(DateTimeOffset asOf, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        UPDATE "Factura" f SET "status" = 'OVERDUE'
        FROM "Client" c
        WHERE c."clientId" = f."clientId" AND f."status" = 'PENDING' AND f."dueDate" < ({asOf} AT TIME ZONE c."timeZone")::date
        """, ct);
}
