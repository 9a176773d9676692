using System.Text.Json;
using Billing.Domain.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Billing.Domain.Data;

/// <summary>
/// What every column holds, checked before EF Core writes: text within its <c>varchar(n)</c>, without NUL and without
/// lone surrogates (PostgreSQL refuses both), numbers within their <c>numeric(p,s)</c>. One rule from the model itself,
/// so a field that a service forgot to bound is a 422 naming it (<see cref="InvalidInputException"/>), never a 500 and
/// never a half-written row.
/// </summary>
public static class ColumnLimits
{
    public static void Check(ChangeTracker changes)
    {
        foreach (var entry in changes.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified))
        {
            foreach (var property in entry.Properties.Where(p => entry.State == EntityState.Added || p.IsModified))
            {
                var field = JsonNamingPolicy.CamelCase.ConvertName(property.Metadata.Name);
                switch (property.CurrentValue)
                {
                    case string text:
                        if (property.Metadata.GetMaxLength() is { } max && text.Length > max)
                        {
                            throw new InvalidInputException(field, $"At most {max} characters.");
                        }
                        if (!IsStorableText(text))
                        {
                            throw new InvalidInputException(field, "Must be text without NUL characters or unpaired surrogates.");
                        }
                        break;
                    case decimal number when property.Metadata.GetPrecision() is { } precision:
                        var scale = property.Metadata.GetScale() ?? 0;
                        var limit = Pow10(precision - scale);
                        if (Math.Abs(Math.Round(number, scale, MidpointRounding.AwayFromZero)) >= limit)
                        {
                            throw new InvalidInputException(field, $"Must be less than {limit} in magnitude.");
                        }
                        break;
                }
            }
        }
    }

    /// <summary>Text PostgreSQL stores as UTF-8: no NUL, every surrogate paired.</summary>
    public static bool IsStorableText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0' || char.IsLowSurrogate(c))
            {
                return false;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    private static decimal Pow10(int digits)
    {
        var value = 1m;
        for (var i = 0; i < digits; i++)
        {
            value *= 10;
        }
        return value;
    }
}
