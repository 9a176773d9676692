using System.Globalization;

namespace Billing.Functions.Infrastructure;

/// <summary>How the API writes values: money with exactly 2 decimals, instants in ISO 8601 UTC, enums as the database spells them.</summary>
public static class Formats
{
    // "F2" rounds half away from zero like Money.RoundLine; amounts reaching here have at most 2 decimals anyway.
    public static string Money(decimal value) => value.ToString("F2", CultureInfo.InvariantCulture);

    public static string? Money(decimal? value) => value is { } v ? Money(v) : null;

    /// <summary>Minutes and other quantities: as many decimals as they have, up to 4.</summary>
    public static string Quantity(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Round-trip ISO 8601 in UTC (<c>2025-12-01T12:00:00.0000000Z</c>); PostgreSQL keeps microseconds, so the 7th digit is 0.</summary>
    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static string? Instant(DateTimeOffset? value) => value is { } v ? Instant(v) : null;

    public static string Date(DateOnly value) => value.ToString("O", CultureInfo.InvariantCulture);

    public static string? Date(DateOnly? value) => value is { } v ? Date(v) : null;

    public static string Upper<TEnum>(TEnum value) where TEnum : struct, Enum => TextEnum.ToText(value, TextCase.Upper);

    public static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => TextEnum.ToText(value, TextCase.Lower);
}
