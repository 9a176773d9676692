using System.Globalization;
using Billing.Domain.Data;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Invoice numbers: one series per year (<c>VAI-2025-000123</c>), without gaps or reuse. The issuing transaction takes
/// the series' row lock (<see cref="TakeAsync"/>), the invoicing INSERT numbers its rows from it, and
/// <see cref="AdvanceAsync"/> moves the series past them before the transaction commits.
/// </summary>
public sealed class InvoiceNumbers(BillingDbContext db, IOptions<BillingOptions> options)
{
    /// <summary>The next number of the series for the year of issue, and the number prefix (<c>VAI-2025-</c>).</summary>
    public sealed record Block(string Series, int Year, string Prefix, long Next);

    /// <summary>Locks the series' row for the rest of the current transaction: no gaps, no reuse.</summary>
    public async Task<Block> TakeAsync(DateTimeOffset issuedAt, CancellationToken ct)
    {
        var series = options.Value.InvoiceSeries;
        var year = issuedAt.UtcDateTime.Year;
        var first = await new Sql("""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES (@series, @year, 1)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber"
            RETURNING "nextNumber"
            """).With("series", series).With("year", year).ScalarAsync<long>(db, ct);
        return new Block(series, year, $"{series}-{year.ToString(CultureInfo.InvariantCulture)}-", first);
    }

    /// <summary>Moves the series past the numbers the insert used. It numbered every period it selected, so a row then
    /// skipped by ON CONFLICT (an invoice inserted outside the cycle meanwhile) leaves a number below the highest one
    /// unused: a gap. The batch then fails and rolls back, and the next run retries.</summary>
    public async Task AdvanceAsync(Block numbers, IReadOnlyList<string> used, CancellationToken ct)
    {
        var highest = used.Select(n => long.Parse(n.AsSpan(numbers.Prefix.Length), CultureInfo.InvariantCulture)).DefaultIfEmpty(numbers.Next - 1).Max();
        if (highest != numbers.Next + used.Count - 1)
        {
            throw new InvalidOperationException(
                $"Invoice numbers from {numbers.Prefix}{numbers.Next.ToString("D6", CultureInfo.InvariantCulture)} would have a gap: " +
                "an invoice of this batch was inserted by someone else meanwhile.");
        }
        await new Sql("""
            UPDATE "InvoiceNumberSeries" SET "nextNumber" = "nextNumber" + @used WHERE "series" = @series AND "year" = @year
            """).With("series", numbers.Series).With("year", numbers.Year).With("used", (long)used.Count).ExecuteAsync(db, ct);
    }

    /// <summary>Sets the next number of an invoice series for a year; numbers are never reused, so it can only move forward.</summary>
    public async Task<bool> SetNextAsync(int year, long nextNumber, CancellationToken ct)
    {
        if (nextNumber < 1 || year is < 2000 or > 9999)
        {
            throw new ArgumentOutOfRangeException(nameof(nextNumber), "The year is 2000-9999 and the next number at least 1.");
        }
        return await new Sql("""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES (@series, @year, @next)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = EXCLUDED."nextNumber"
            WHERE "InvoiceNumberSeries"."nextNumber" <= EXCLUDED."nextNumber"
            """).With("series", options.Value.InvoiceSeries).With("year", year).With("next", nextNumber).ExecuteAsync(db, ct) == 1;
    }
}
