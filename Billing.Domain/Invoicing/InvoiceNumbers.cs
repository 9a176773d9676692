using System.Globalization;
using Billing.Domain.Data;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Invoice numbers: one series per year (<c>VAI-2025-000123</c>), without gaps or reuse. The issuing transaction takes
/// the series' row lock (<see cref="TakeAsync"/>), the invoicing INSERT numbers its rows from the block it returns, and
/// <see cref="AdvanceAsync"/> moves the series past them before the transaction commits. A number an invoice typed by
/// hand already holds is skipped, so the series moves past it instead of the insert failing on it (and reported,
/// <see cref="Skipped"/>): the hand-made invoice fills that place in the series.
/// </summary>
public sealed class InvoiceNumbers(BillingDbContext db, IOptions<BillingOptions> options)
{
    /// <summary>The numbers a batch may take, in order (<see cref="Free"/>: from the series' next number, without those
    /// already taken by hand), and the number prefix (<c>VAI-2025-</c>).</summary>
    public sealed record Block(string Series, int Year, string Prefix, long Next, long[] Free, long[] Taken);

    private readonly SortedSet<string> _skipped = new(StringComparer.Ordinal);

    /// <summary>Numbers held by hand-made invoices that this scope's batches skipped, to report.</summary>
    public IReadOnlyCollection<string> Skipped => _skipped;

    /// <summary>Locks the series' row for the rest of the current transaction (no gaps, no reuse) and picks the first
    /// <paramref name="count"/> numbers from its next one that no invoice holds yet.</summary>
    public async Task<Block> TakeAsync(DateTimeOffset issuedAt, int count, CancellationToken ct)
    {
        var series = options.Value.InvoiceSeries;
        var year = issuedAt.UtcDateTime.Year;
        var first = await new Sql("""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES (@series, @year, 1)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber"
            RETURNING "nextNumber"
            """).With("series", series).With("year", year).ScalarAsync<long>(db, ct);
        var prefix = $"{series}-{year.ToString(CultureInfo.InvariantCulture)}-";
        var taken = new SortedSet<long>();
        for (long from = first, wanted = count; wanted > 0;)
        {
            // Exact numbers through the unique index: as many candidates as still wanted, then as many more as were taken.
            var candidates = Enumerable.Range(0, (int)wanted).Select(n => from + n).ToList();
            var held = await new Sql("""SELECT "number" FROM "Factura" WHERE "number" = ANY(@numbers)""")
                .With("numbers", candidates.Select(n => Format(prefix, n)).ToArray())
                .ListAsync(db, r => long.Parse(r.GetString(0).AsSpan(prefix.Length), CultureInfo.InvariantCulture), ct);
            taken.UnionWith(held);
            (from, wanted) = (from + wanted, held.Count);
        }
        var free = Enumerable.Range(0, count + taken.Count).Select(n => first + n).Where(n => !taken.Contains(n)).Take(count).ToArray();
        return new Block(series, year, prefix, first, free, taken.ToArray());
    }

    /// <summary>The number as invoices carry it: at least 6 digits, never cut (1000000 follows 999999).</summary>
    public static string Format(string prefix, long number) => prefix + number.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Moves the series past the numbers the insert used. It numbered every period it selected, so a row then
    /// skipped by ON CONFLICT (an invoice inserted outside the cycle meanwhile) leaves a number below the highest one
    /// unused: a gap. The batch then fails and rolls back, and the cycle retries it in parts (docs/decisions/0021).</summary>
    public async Task AdvanceAsync(Block numbers, IReadOnlyList<string> used, CancellationToken ct)
    {
        var values = used.Select(n => long.Parse(n.AsSpan(numbers.Prefix.Length), CultureInfo.InvariantCulture)).Order().ToList();
        if (!values.SequenceEqual(numbers.Free.Take(values.Count)))
        {
            throw new InvalidOperationException(
                $"Invoice numbers from {Format(numbers.Prefix, numbers.Next)} would have a gap: " +
                "an invoice of this batch was inserted by someone else meanwhile.");
        }
        if (values.Count == 0)
        {
            return;
        }
        _skipped.UnionWith(numbers.Taken.Where(n => n < values[^1]).Select(n => Format(numbers.Prefix, n)));
        await new Sql("""
            UPDATE "InvoiceNumberSeries" SET "nextNumber" = @next WHERE "series" = @series AND "year" = @year
            """).With("series", numbers.Series).With("year", numbers.Year).With("next", values[^1] + 1).ExecuteAsync(db, ct);
    }

    /// <summary>The credit note series beside the invoices': <c>VAI-CN</c> gives <c>VAI-CN-2026-000001</c>.</summary>
    public string CreditNoteSeries => options.Value.InvoiceSeries + "-CN";

    /// <summary>
    /// The next credit note number for the year of issue. The series' row stays locked until the caller's transaction
    /// ends, so concurrent notes take consecutive numbers and a note rolled back gives its number back: no gaps.
    /// </summary>
    public async Task<string> TakeCreditNoteNumberAsync(DateTimeOffset issuedAt, CancellationToken ct)
    {
        var year = issuedAt.UtcDateTime.Year;
        var number = await new Sql("""
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES (@series, @year, 2)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber" + 1
            RETURNING "nextNumber" - 1
            """).With("series", CreditNoteSeries).With("year", year).ScalarAsync<long>(db, ct);
        return Format($"{CreditNoteSeries}-{year.ToString(CultureInfo.InvariantCulture)}-", number);
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
