using System.Globalization;
using System.Text.RegularExpressions;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// Reads a request's query string, collecting one message per bad parameter, so a 400 problem names every one of
/// them. Unknown or repeated parameters are refused too: a typo never silently widens a listing.
/// </summary>
public sealed partial class QueryParameters
{
    private readonly IQueryCollection _query;

    public QueryParameters(HttpRequest request, params string[] allowed)
    {
        _query = request.Query;
        Csv = Listing.WantsCsv(request, this);
        foreach (var (name, values) in _query)
        {
            if (name != Listing.FormatParameter && !allowed.Contains(name, StringComparer.Ordinal))
            {
                Fail(name, $"Unknown parameter. Known: {string.Join(", ", allowed.Append(Listing.FormatParameter))}.");
            }
            else if (values.Count > 1)
            {
                Fail(name, "Give this parameter once.");
            }
        }
    }

    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    public bool Valid => Errors.Count == 0;

    public IResult Problem => Problems.Validation(Errors);

    /// <summary>Whether the caller asked for CSV (<see cref="Listing.WantsCsv"/>).</summary>
    public bool Csv { get; }

    /// <summary>The 400 problem naming every bad parameter, or, when all were good, the answer of <paramref name="run"/>.</summary>
    public async Task<IResult> RespondAsync(Func<Task<IResult>> run) => Valid ? await run() : Problem;

    /// <summary>A list in the format asked for.</summary>
    public IResult List<T>(IReadOnlyList<T> items, string? nextCursor = null) => Listing.Respond(Csv, items, nextCursor);

    public void Fail(string name, string message) =>
        Errors[name] = Errors.TryGetValue(name, out var existing) ? [.. existing, message] : [message];

    /// <summary>Adds <paramref name="message"/> for <paramref name="name"/> unless <paramref name="ok"/>.</summary>
    public void Check(bool ok, string name, string message)
    {
        if (!ok)
        {
            Fail(name, message);
        }
    }

    private string? Raw(string name) => _query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    /// <summary>The parameter parsed, null when absent; when <paramref name="parse"/> refuses it, the error names it.</summary>
    private T? Parse<T>(string name, Func<string, T?> parse, Func<string, string> error) where T : struct
    {
        if (Raw(name) is not { } value)
        {
            return null;
        }
        var parsed = parse(value);
        Check(parsed is not null, name, error(value));
        return parsed;
    }

    public string? Text(string name, int maxLength = 100)
    {
        var value = Raw(name);
        var ok = value is { Length: > 0 } && value.Length <= maxLength;
        Check(value is null || ok, name, $"Expected 1 to {maxLength} characters.");
        return ok ? value : null;
    }

    /// <summary>A billing period, <c>YYYY-MM</c>.</summary>
    public string? Period(string name)
    {
        var value = Raw(name);
        var ok = value is not null && PeriodPattern().IsMatch(value) && int.Parse(value[..4], CultureInfo.InvariantCulture) >= 2000;
        Check(value is null || ok, name, $"'{value}' is not a period: expected YYYY-MM with a month 01-12, from 2000.");
        return ok ? value : null;
    }

    /// <summary>A period the endpoint cannot do without.</summary>
    public string? RequiredPeriod(string name)
    {
        Check(_query.ContainsKey(name), name, "Required: the period, YYYY-MM.");
        return Period(name);
    }

    public DateOnly? Date(string name) => Parse(name,
        v => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : (DateOnly?)null,
        v => $"'{v}' is not a date: expected YYYY-MM-DD.");

    /// <summary>An ISO 8601 instant with its offset (<c>2025-12-01T00:00:00Z</c>); a bare local time is ambiguous and refused.</summary>
    public DateTimeOffset? Instant(string name) => Parse(name,
        v => InstantPattern().IsMatch(v) && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? instant.ToUniversalTime()
            : (DateTimeOffset?)null,
        v => $"'{v}' is not an instant: expected ISO 8601 with an offset, e.g. 2025-12-01T00:00:00Z.");

    public int Int(string name, int defaultValue, int min, int max) => Parse(name,
        v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max ? number : (int?)null,
        _ => $"Expected a whole number from {min} to {max}.") ?? defaultValue;

    public Guid? Id(string name) => Parse(name, v => Guid.TryParse(v, out var id) ? id : (Guid?)null, v => $"'{v}' is not an id (a UUID).");

    /// <summary>An enum spelled as the database spells it (<c>PAID</c>, <c>card</c>); any case is accepted.</summary>
    public TEnum? Enum<TEnum>(string name, TextCase textCase) where TEnum : struct, System.Enum => Parse(name,
        v => TextEnum.TryParse<TEnum>(v, out var parsed) ? parsed : (TEnum?)null,
        v => $"'{v}' is not one of {string.Join(", ", TextEnum.AllTexts<TEnum>(textCase))}.");

    /// <summary>Refuses a range whose start is after its end.</summary>
    public void Range<T>(T? from, T? to, string fromName, string toName) where T : struct, IComparable<T>
    {
        if (from is { } f && to is { } t && f.CompareTo(t) > 0)
        {
            Fail(toName, $"'{toName}' must not be before '{fromName}'.");
        }
    }

    [GeneratedRegex(@"^\d{4}-(0[1-9]|1[0-2])$")]
    private static partial Regex PeriodPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex InstantPattern();
}
