using System.Globalization;
using System.Text.Json;

namespace Billing.Domain.Usage;

/// <summary>
/// Maps Vapi's JSON (an end-of-call report, or a Call from GET /call) onto <see cref="VapiCall"/>, leniently:
/// unknown properties and unknown enum values are ignored or kept as text, never an error. Two kinds of field:
/// a descriptive one (ended reason, tool names) is normalised to what its column holds (NUL removed, invalid
/// UTF-16 replaced, length capped) and the call recorded; one that decides what the call bills (ids, times, cost)
/// is refused when unusable, with the field named, and the report is quarantined by the caller. Nothing leaves
/// here that the database would reject. Rules and sources: VAPI-NOTES.md §2.
/// </summary>
public static partial class VapiCallParser
{
    /// <summary>Longer than any call Vapi allows (max 12 h); beyond this a duration is a defect, not a call.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);
    /// <summary>Instants outside [2000, 2100) are not calls (the column would take them, the billing periods would not).</summary>
    public static readonly DateTimeOffset EarliestInstant = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LatestInstant = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>What <c>"UsageLog"</c> holds: ids <c>varchar(100)</c>, <c>"endedReason"</c> <c>varchar(200)</c>, costs <c>numeric(14,6)</c>.</summary>
    public const int MaxIdLength = 100;
    public const int MaxEndedReasonLength = 200;
    public const int MaxToolNameLength = 200;
    public const int MaxTools = 100;
    public const decimal MaxCost = 99_999_999.999999m;

    public sealed record Result(VapiCall? Call, IReadOnlyDictionary<string, string[]> Errors)
    {
        public bool IsValid => Call is not null;
    }

    /// <summary>The <c>message</c> object of an <c>end-of-call-report</c>. Times and cost come from the message itself:
    /// the embedded <c>call</c> is a snapshot from call creation and only fills gaps in the times.</summary>
    public static Result FromEndOfCallReport(JsonElement message) =>
        Map(message, Object(message, "call"), "message.", "message.call.", callIsSnapshot: true);

    /// <summary>A Call object from GET /call or GET /call/{id}: the final state of the call.</summary>
    public static Result FromApiCall(JsonElement call) => Map(call, call, "call.", "call.", callIsSnapshot: false);

    private static Result Map(JsonElement source, JsonElement? call, string sourcePath, string callPath, bool callIsSnapshot)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Error(string field, string text) => errors[field] = [text];

        string? Id(JsonElement? element, string name)
        {
            if (element is not { } e || !e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                Error(callPath + name, "Must be a string.");
                return null;
            }
            var text = ExactText(value);
            if (text is null || text.Contains('\0'))
            {
                Error(callPath + name, "Must be valid text without NUL characters.");
                return null;
            }
            if (text.Length > MaxIdLength)
            {
                Error(callPath + name, $"Longer than {MaxIdLength} characters.");
            }
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        var callId = Id(call, "id");
        if (callId is null && !errors.ContainsKey(callPath + "id"))
        {
            Error(callPath + "id", "The call id is required: without it the call cannot be deduplicated or billed.");
        }
        var assistantId = Id(call, "assistantId");
        var squadId = Id(call, "squadId");
        var phoneNumberId = Id(call, "phoneNumberId");
        var customerId = Id(call, "customerId");

        DateTimeOffset? Instant(JsonElement? element, string name, string path)
        {
            if (element is not { } e || !e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.String && ExactText(value) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            {
                if (instant < EarliestInstant || instant >= LatestInstant)
                {
                    Error(path + name, $"Must be between {EarliestInstant.Year} and {LatestInstant.Year}.");
                    return null;
                }
                return instant.ToUniversalTime();
            }
            Error(path + name, "Must be an ISO 8601 instant.");
            return null;
        }

        var startedAt = Instant(source, "startedAt", sourcePath);
        var endedAt = Instant(source, "endedAt", sourcePath);
        if (startedAt is null && endedAt is null && callIsSnapshot)
        {
            // Fall back to the call snapshot's times only when the message has none.
            startedAt = Instant(call, "startedAt", callPath);
            endedAt = Instant(call, "endedAt", callPath);
        }
        var createdAt = Instant(call, "createdAt", callPath);

        decimal duration = 0;
        if (startedAt is { } start && endedAt is { } end)
        {
            if (end < start)
            {
                Error(sourcePath + "endedAt", "The call ends before it starts.");
            }
            else if (end - start > MaxDuration)
            {
                Error(sourcePath + "endedAt", $"The call lasts longer than {MaxDuration.TotalHours} hours.");
            }
            else
            {
                duration = (decimal)(end - start).TotalMilliseconds / 1000m;
            }
        }
        else if (startedAt is not null)
        {
            duration = UntypedDuration(source, sourcePath, Error);
        }

        var cost = Money(source, "cost", sourcePath, Error) ?? SumOfCosts(source, sourcePath, Error);

        if (errors.Count > 0)
        {
            return new Result(null, errors);
        }
        return new Result(new VapiCall
        {
            CallId = callId!,
            AssistantId = assistantId,
            SquadId = squadId,
            PhoneNumberId = phoneNumberId,
            CustomerId = customerId,
            StartedAt = startedAt,
            EndedAt = endedAt,
            CreatedAt = createdAt,
            DurationSeconds = Math.Round(duration, 3, MidpointRounding.AwayFromZero),
            EndedReason = Descriptive(Text(source, "endedReason") ?? (call is { } snapshot ? Text(snapshot, "endedReason") : null), MaxEndedReasonLength),
            ToolsUsed = ToolsUsed(source),
            VapiCost = cost,
        }, errors);
    }

    /// <summary>Untyped <c>durationMs</c>/<c>durationSeconds</c> that real payloads carry, for a call with a start but no end.</summary>
    private static decimal UntypedDuration(JsonElement source, string path, Action<string, string> error)
    {
        foreach (var (name, toSeconds) in new[] { ("durationMs", 0.001m), ("durationSeconds", 1m) })
        {
            if (source.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                if (!value.TryGetDecimal(out var number) || number < 0 || number * toSeconds > (decimal)MaxDuration.TotalSeconds)
                {
                    error(path + name, $"Must be between 0 and {MaxDuration.TotalHours} hours.");
                    return 0;
                }
                return number * toSeconds;
            }
        }
        return 0;
    }

    private static decimal? Money(JsonElement source, string name, string path, Action<string, string> error)
    {
        if (!source.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var amount) || amount < 0 || amount > MaxCost)
        {
            error(path + name, $"Must be a number (USD) from 0 to {MaxCost.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }
        return amount;
    }

    private static decimal? SumOfCosts(JsonElement source, string path, Action<string, string> error)
    {
        if (!source.TryGetProperty("costs", out var costs) || costs.ValueKind != JsonValueKind.Array || costs.GetArrayLength() == 0)
        {
            return null;
        }
        decimal total = 0;
        var index = 0;
        foreach (var item in costs.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object)
            {
                // Each item is at most MaxCost, so the sum stays far inside decimal's range until it is checked here.
                total += Money(item, "cost", $"{path}costs[{index}].", error) ?? 0;
                if (total > MaxCost)
                {
                    error(path + "costs", $"The costs add up to more than {MaxCost.ToString(CultureInfo.InvariantCulture)} USD.");
                    return null;
                }
            }
            index++;
        }
        return total;
    }

    /// <summary>Distinct tool names in order of first use: <c>tool_calls</c> messages, else <c>tool_call_result</c> names.</summary>
    private static IReadOnlyList<string> ToolsUsed(JsonElement source)
    {
        var messages = Object(source, "artifact") is { } artifact && artifact.TryGetProperty("messages", out var m) ? m
            : source.TryGetProperty("messages", out var top) ? top : default;
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var fromCalls = new List<string>();
        var fromResults = new List<string>();
        foreach (var message in messages.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object))
        {
            switch (Text(message, "role"))
            {
                case "tool_calls" when message.TryGetProperty("toolCalls", out var calls) && calls.ValueKind == JsonValueKind.Array:
                    foreach (var toolCall in calls.EnumerateArray())
                    {
                        if (Object(toolCall, "function") is { } function && Descriptive(Text(function, "name"), MaxToolNameLength) is { Length: > 0 } name
                            && !fromCalls.Contains(name) && fromCalls.Count < MaxTools)
                        {
                            fromCalls.Add(name);
                        }
                    }
                    break;
                case "tool_call_result" when Descriptive(Text(message, "name"), MaxToolNameLength) is { Length: > 0 } resultName
                                             && !fromResults.Contains(resultName) && fromResults.Count < MaxTools:
                    fromResults.Add(resultName);
                    break;
            }
        }
        return fromCalls.Count > 0 ? fromCalls : fromResults;
    }

    private static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value : null;

    /// <summary>A descriptive string as lenient as JSON allows: lone surrogate escapes become U+FFFD instead of an error.</summary>
    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? ExactText(value) ?? WithReplacedSurrogates(value) : null;

    /// <summary>The string exactly as sent, or null when it escapes a lone surrogate (not text; PostgreSQL would refuse it).</summary>
    private static string? ExactText(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string WithReplacedSurrogates(JsonElement value)
    {
        var raw = LoneSurrogateEscape().Replace(value.GetRawText(), "\\uFFFD");
        using var document = JsonDocument.Parse(raw);
        return ExactText(document.RootElement) ?? "";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")]
    private static partial System.Text.RegularExpressions.Regex LoneSurrogateEscape();

    /// <summary>A descriptive value as its column holds it: without NUL (PostgreSQL text cannot hold it), at most
    /// <paramref name="maxLength"/> characters, never cut inside a surrogate pair.</summary>
    public static string? Descriptive(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Contains('\0'))
        {
            value = value.Replace("\0", "", StringComparison.Ordinal);
        }
        if (value.Length <= maxLength)
        {
            return value;
        }
        var cut = char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength;
        return value[..cut];
    }
}
