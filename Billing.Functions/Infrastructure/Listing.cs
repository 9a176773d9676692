using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// How lists leave the API: JSON <c>{ "items": [...], "nextCursor": ... }</c> by default, CSV when asked with
/// <c>?format=csv</c> or <c>Accept: text/csv</c>. CSV columns are the view's properties, so both formats say the same.
/// </summary>
public static class Listing
{
    public const string FormatParameter = "format";

    public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

    /// <summary>Whether the caller asked for CSV; a <c>format</c> other than json or csv is a 400.</summary>
    public static bool WantsCsv(HttpRequest request, QueryParameters parameters)
    {
        var format = request.Query[FormatParameter].ToString();
        parameters.Check(format is "" or "json" or "csv", FormatParameter, "Expected json or csv.");
        return format == "csv"
               || (format == "" && request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase)));
    }

    public static IResult Respond<T>(bool csv, IReadOnlyList<T> items, string? nextCursor = null) =>
        csv ? new CsvResult<T>(items, nextCursor) : TypedResults.Ok(new Page<T>(items, nextCursor));

    private sealed class CsvResult<T>(IReadOnlyList<T> items, string? nextCursor, bool clientView = false) : IResult, ClientView.IClientViewable
    {
        public IResult ForClient() => new CsvResult<T>(items, nextCursor, clientView: true);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "text/csv; charset=utf-8";
            if (nextCursor is not null)
            {
                // CSV has no room for it: the next page's cursor travels in a header.
                httpContext.Response.Headers["X-Next-Cursor"] = nextCursor;
            }
            await httpContext.Response.WriteAsync(Csv.Write(items, clientView), Encoding.UTF8);
        }
    }
}

/// <summary>RFC 4180 CSV of flat view records; one nested record (a rate) becomes prefixed columns. In the client view
/// (<see cref="ClientView"/>) agency-only columns are left out, header included.</summary>
public static class Csv
{
    public static string Write<T>(IReadOnlyList<T> rows, bool clientView = false)
    {
        var columns = Columns(typeof(T), "", [], clientView).ToList();
        var text = new StringBuilder();
        text.AppendJoin(',', columns.Select(c => Quote(c.Name))).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', columns.Select(c => Quote(Format(c.Read(row)), guard: true))).Append("\r\n");
        }
        return text.ToString();
    }

    private sealed record Column(string Name, Func<object?, object?> Read);

    private static IEnumerable<Column> Columns(Type type, string prefix, Func<object?, object?>[] path, bool clientView)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => !clientView || !ClientView.IsAgencyOnly(p)))
        {
            var name = prefix + char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            Func<object?, object?> read = o => o is null ? null : property.GetValue(o);
            var nested = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(nested) || typeof(IEnumerable<string>).IsAssignableFrom(nested))
            {
                yield return new Column(name, o => read(Follow(o, path)));
            }
            else if (!typeof(IEnumerable).IsAssignableFrom(nested) && path.Length == 0)
            {
                foreach (var column in Columns(nested, name + ".", [read], clientView))
                {
                    yield return column;
                }
            }
            // Lists of records (late usage lines) have no place in a flat row; the JSON has them.
        }
    }

    private static object? Follow(object? row, Func<object?, object?>[] path) => path.Aggregate(row, (o, step) => step(o));

    private static bool IsScalar(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(Guid) || type == typeof(DateOnly) || type == typeof(DateTimeOffset);

    private static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        string text => text,
        IEnumerable<string> list => string.Join(';', list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string value, bool guard = false)
    {
        // A cell that a spreadsheet would run as a formula is prefixed with a quote (numbers such as -5.00 are not).
        if (guard && value.Length > 0 && (value[0] is '=' or '+' or '@' or '\t' or '\r' || (value[0] == '-' && !decimal.TryParse(value,
                NumberStyles.Number, CultureInfo.InvariantCulture, out _))))
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
