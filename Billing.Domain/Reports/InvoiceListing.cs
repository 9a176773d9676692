using System.Globalization;
using System.Text;
using Billing.Domain.Invoicing;

namespace Billing.Domain.Reports;

/// <summary>An invoice as reports read it (one row of "Factura").</summary>
public sealed record InvoiceRow(Guid Id, string? Number, string ClientId, string? ClientName, string Period, DateOnly? PeriodStart,
    DateOnly? PeriodEnd, decimal Minutes, int TotalCalls, int SuccessfulCalls, decimal MinutesAmount, decimal FixedFee,
    decimal LateUsageAmount, decimal Total, string Currency, InvoiceStatus Status, DateOnly DueDate, DateTimeOffset IssuedAt,
    DateTimeOffset? PaidAt, bool Reconciled, DateTimeOffset CreatedAt, decimal AmountPaid, decimal CreditApplied, decimal AmountDue,
    decimal? NetAmount = null, decimal? VatAmount = null,
    DateOnly? IssueDate = null, string? VatCategory = null, string[]? MissingFields = null, string? ReviewReason = null);

/// <summary>Filters of <c>GET /invoices</c>; periods are <c>YYYY-MM</c> and inclusive, due dates exclusive.</summary>
public sealed record InvoiceFilter(
    InvoiceStatus? Status = null,
    string? ClientId = null,
    string? PeriodFrom = null,
    string? PeriodTo = null,
    DateOnly? DueBefore = null,
    DateOnly? DueAfter = null,
    DateTimeOffset? CreatedSince = null,
    bool? Exportable = null,
    bool? Review = null);

public enum InvoiceSortKey { CreatedAt, DueDate, Period, Total }

public sealed record InvoiceSort(InvoiceSortKey Key, bool Descending)
{
    public static readonly InvoiceSort Default = new(InvoiceSortKey.CreatedAt, Descending: true);

    /// <summary>The column each sort key orders by; every one has an index on (column, id) for keyset pages.</summary>
    public string Column => Key switch
    {
        InvoiceSortKey.CreatedAt => "\"createdAt\"",
        InvoiceSortKey.DueDate => "\"dueDate\"",
        InvoiceSortKey.Period => "\"perioada\"",
        InvoiceSortKey.Total => "\"totalDePlata\"",
        _ => throw new ArgumentOutOfRangeException(nameof(Key)),
    };
}

public sealed record Page<T>(List<T> Items, string? NextCursor);

/// <summary>
/// Keyset cursors: the sort, its direction and the last row's (sort value, id), base64url-encoded. A cursor only
/// continues the listing it came from; anything else is refused. It carries no rights: the caller's scope and
/// filters apply to every page, so a forged cursor reads nothing more.
/// </summary>
public static class KeysetCursor
{
    public static string Encode(string sort, bool descending, string value, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sort}|{(descending ? "desc" : "asc")}|{value}|{id:N}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor's value and id, or null when it is malformed or belongs to another sort.</summary>
    public static (string Value, Guid Id)? Decode(string cursor, string sort, bool descending)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split('|');
            return parts.Length == 4 && parts[0] == sort && parts[1] == (descending ? "desc" : "asc")
                   && Guid.TryParseExact(parts[3], "N", out var id)
                ? (parts[2], id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A cursor whose value is an instant (<see cref="Instant(DateTimeOffset)"/>), in UTC, and its id.</summary>
    /// <exception cref="InvalidCursorException">Malformed, of another sort, or not an instant.</exception>
    public static (DateTimeOffset Instant, Guid Id) DecodeInstant(string cursor, string sort, bool descending)
    {
        var (value, id) = Decode(cursor, sort, descending) ?? throw new InvalidCursorException();
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? (instant.ToUniversalTime(), id)
            : throw new InvalidCursorException();
    }
}
