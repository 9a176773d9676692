using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Functions.Infrastructure;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// Checks a real response against the operation's response in openapi.json: the status must be documented, the
/// media type listed, and a JSON body must validate against its schema. The validator covers the JSON Schema
/// keywords the document uses ($ref, oneOf, type, properties, required, additionalProperties, items, enum,
/// pattern, minimum, maximum, exclusiveMinimum, maxLength) and fails on any other, so the document cannot
/// silently outgrow it.
/// </summary>
public static class OpenApiContract
{
    private static readonly JsonElement Document = JsonDocument.Parse(OpenApiFunction.Json).RootElement;

    private static readonly HashSet<string> KnownKeywords =
    [
        "$ref", "oneOf", "type", "properties", "required", "additionalProperties", "items", "enum", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "maxLength", "format", "description",
    ];

    public static IReadOnlyList<string> Violations(string operationId, int status, string contentType, string body)
    {
        var operation = Operation(operationId);
        if (!operation.GetProperty("responses").TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response))
        {
            return [$"{operationId}: status {status} is not documented"];
        }
        if (!response.TryGetProperty("content", out var content))
        {
            return body.Length == 0 ? [] : [$"{operationId} {status}: documented without a body, but one came"];
        }
        var mediaType = contentType.Split(';')[0].Trim();
        if (!content.TryGetProperty(mediaType, out var media))
        {
            return [$"{operationId} {status}: media type '{mediaType}' is not documented"];
        }
        if (!mediaType.EndsWith("json", StringComparison.Ordinal))
        {
            return [];
        }
        var errors = new List<string>();
        Validate(media.GetProperty("schema"), JsonDocument.Parse(body).RootElement, "$", errors);
        return errors.Select(e => $"{operationId} {status}: {e}").ToList();
    }

    private static JsonElement Operation(string operationId) =>
        Document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value).Single(o => o.GetProperty("operationId").GetString() == operationId);

    private static JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            schema = Document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }
        return schema;
    }

    public static void Validate(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        schema = Resolve(schema);
        foreach (var keyword in schema.EnumerateObject().Where(k => !KnownKeywords.Contains(k.Name)))
        {
            throw new NotSupportedException($"The contract validator does not know the keyword '{keyword.Name}'.");
        }
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matching = oneOf.EnumerateArray().Count(option =>
            {
                var optionErrors = new List<string>();
                Validate(option, value, path, optionErrors);
                return optionErrors.Count == 0;
            });
            if (matching != 1)
            {
                errors.Add($"{path}: matches {matching} of the oneOf options, not exactly one ({value.GetRawText()})");
            }
            return;
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type.GetString()!, value))
        {
            errors.Add($"{path}: expected {type.GetString()}, got {value.ValueKind} ({Shorten(value.GetRawText())})");
            return;
        }
        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => a.GetRawText() == value.GetRawText()))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
            {
                errors.Add($"{path}: '{text}' does not match {pattern.GetString()}");
            }
            if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
            {
                errors.Add($"{path}: longer than {maxLength.GetInt32()}");
            }
        }
        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = value.GetDecimal();
            if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDecimal())
            {
                errors.Add($"{path}: {number} is below {minimum.GetDecimal()}");
            }
            if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDecimal())
            {
                errors.Add($"{path}: {number} is above {maximum.GetDecimal()}");
            }
            if (schema.TryGetProperty("exclusiveMinimum", out var exclusive) && number <= exclusive.GetDecimal())
            {
                errors.Add($"{path}: {number} is not above {exclusive.GetDecimal()}");
            }
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            ValidateObject(schema, value, path, errors);
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Validate(items, item, $"{path}[{index++}]", errors);
            }
        }
    }

    private static void ValidateObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(name => !value.TryGetProperty(name, out _)))
            {
                errors.Add($"{path}: missing required '{name}'");
            }
        }
        foreach (var member in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var propertySchema))
            {
                Validate(propertySchema, member.Value, $"{path}.{member.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}: '{member.Name}' is not in the schema");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Validate(additional, member.Value, $"{path}.{member.Name}", errors);
                }
            }
        }
    }

    private static bool TypeMatches(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"Unknown type '{type}'."),
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
