using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Vat;

/// <summary>
/// The admin's editing of the VAT rates. A new rate from a day closes the rate of its kind in force then (its last
/// day becomes the day before); a rate from the same first day is corrected in place. Rates never overlap. Invoices
/// keep the rate they were issued with (their breakdown), so an edit only reaches invoices issued after it.
/// </summary>
public sealed class VatRateTable(BillingDbContext db, AuditTrail audit)
{
    /// <summary>Standard rates first, each kind by its first day.</summary>
    public async Task<List<VatRate>> ListAsync(CancellationToken ct) =>
        (await db.VatRates.AsNoTracking().ToListAsync(ct)).OrderBy(r => r.Kind).ThenBy(r => r.ValidFrom).ToList();

    public async Task<VatRate> SetAsync(VatRateKind kind, decimal percent, DateOnly validFrom, DateOnly? validTo, Actor actor, CancellationToken ct)
    {
        new FieldErrors()
            .Check(Enum.IsDefined(kind), "kind", "standard or reduced.")
            .Check(percent is >= 0 and < 100, "percent", "From 0 to under 100.")
            .Check(decimal.Round(percent, 2) == percent, "percent", "At most 2 decimals.")
            .Check(validTo is null || validTo >= validFrom, "validTo", "Not before validFrom.")
            .ThrowIfAny();

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // One editor at a time, so two edits cannot both pass the overlap check.
        await new Sql("""LOCK TABLE "VatRate" IN SHARE ROW EXCLUSIVE MODE""").ExecuteAsync(db, ct);
        var rates = await db.VatRates.Where(r => r.Kind == kind).ToListAsync(ct);
        var rate = rates.SingleOrDefault(r => r.ValidFrom == validFrom);
        var before = rate is null ? null : new { rate.Percent, rate.ValidFrom, rate.ValidTo };
        if (rate is null)
        {
            rate = new VatRate(kind, percent, validFrom, validTo);
            db.VatRates.Add(rate);
            // The rate in force on the new first day ends the day before.
            if (rates.SingleOrDefault(r => r.ValidFrom < validFrom && r.AppliesOn(validFrom)) is { } previous
                && (validTo is null || previous.ValidTo <= validTo))
            {
                audit.Record(actor, AuditEntities.VatRate, $"{Kind(kind)}:{previous.ValidFrom:yyyy-MM-dd}",
                    new { previous.Percent, previous.ValidFrom, previous.ValidTo }, new { previous.Percent, previous.ValidFrom, ValidTo = validFrom.AddDays(-1) },
                    "closed");
                previous.ValidTo = validFrom.AddDays(-1);
            }
        }
        else
        {
            rate.Percent = percent;
            rate.ValidTo = validTo;
        }
        if (rates.FirstOrDefault(r => r != rate && r.Overlaps(rate)) is { } overlap)
        {
            throw new InvalidInputException(validTo is null ? "validFrom" : "validTo",
                $"Overlaps the {overlap.Percent}% {Kind(kind)} rate valid {overlap.ValidFrom:yyyy-MM-dd} to {overlap.ValidTo?.ToString("yyyy-MM-dd") ?? "open"}; " +
                "change that one first.");
        }
        audit.Record(actor, AuditEntities.VatRate, $"{Kind(kind)}:{validFrom:yyyy-MM-dd}", before, new { rate.Percent, rate.ValidFrom, rate.ValidTo },
            before is null ? "created" : "changed");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return rate;
    }

    private static string Kind(VatRateKind kind) => TextEnum.ToText(kind, TextCase.Lower);
}
