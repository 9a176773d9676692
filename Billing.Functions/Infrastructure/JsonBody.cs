using System.Text.Json;
using System.Text.Json.Serialization;

namespace Billing.Functions.Infrastructure;

/// <summary>Reads a small JSON request body into a request record, or the 4xx problem that says what is wrong with it.</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // A misspelt field is an error, not a silently ignored one.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, Problems.TooLarge(MaxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, Problems.TooLarge(MaxBytes));
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.ToArray(), Options);
            return value is null
                ? (null, Problems.Validation(new Dictionary<string, string[]> { ["body"] = ["Expected a JSON object."] }))
                : (value, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, Problems.Validation(new Dictionary<string, string[]> { [field] = [ShortMessage(e)] }));
        }
    }

    // The serializer's messages name .NET types; keep the part a caller can act on.
    private static string ShortMessage(JsonException e)
    {
        const string missing = "missing required properties including: ";
        var at = e.Message.IndexOf(missing, StringComparison.Ordinal);
        return e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "Unknown field."
            : at >= 0 ? "Required: " + e.Message[(at + missing.Length)..].Split(" Path:")[0].TrimEnd('.') + "."
            : "Not valid JSON, or a value of the wrong type.";
    }
}
