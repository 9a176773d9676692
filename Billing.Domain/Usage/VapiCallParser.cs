using System.Globalization;
using System.Text.Json;

namespace Billing.Domain.Usage;

/// <summary>
/// Maps Vapi's JSON (an end-of-call report, or a Call from GET /call) onto <see cref="VapiCall"/>, leniently:
/// unknown properties and unknown enum values are ignored or kept as text, never an error. Only what makes a
/// call unbillable or absurd is refused, with the offending field named. Rules and sources: VAPI-NOTES.md §2.
/// </summary>
public static class VapiCallParser
{
    /// <summary>Longer than any call Vapi allows (max 12 h); beyond this a duration is a defect, not a call.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);
    private const int MaxIdLength = 100;

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

        var callId = call is { } c ? Text(c, "id") : null;
        if (string.IsNullOrWhiteSpace(callId))
        {
            Error(callPath + "id", "The call id is required: without it the call cannot be deduplicated or billed.");
        }
        string? Id(JsonElement? element, string name)
        {
            var value = element is { } e ? Text(e, name) : null;
            if (value is { Length: > MaxIdLength })
            {
                Error(callPath + name, $"Longer than {MaxIdLength} characters.");
            }
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        var assistantId = Id(call, "assistantId");
        var squadId = Id(call, "squadId");
        var phoneNumberId = Id(call, "phoneNumberId");
        var customerId = Id(call, "customerId");
        if (callId is { Length: > MaxIdLength })
        {
            Error(callPath + "id", $"Longer than {MaxIdLength} characters.");
        }

        DateTimeOffset? Instant(JsonElement? element, string name, string path)
        {
            if (element is not { } e || !e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            {
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
            EndedReason = Text(source, "endedReason") ?? (call is { } snapshot ? Text(snapshot, "endedReason") : null),
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
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var amount) || amount < 0)
        {
            error(path + name, "Must be a non-negative number (USD).");
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
                total += Money(item, "cost", $"{path}costs[{index}].", error) ?? 0;
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
                        if (Object(toolCall, "function") is { } function && Text(function, "name") is { Length: > 0 } name && !fromCalls.Contains(name))
                        {
                            fromCalls.Add(name);
                        }
                    }
                    break;
                case "tool_call_result" when Text(message, "name") is { Length: > 0 } resultName && !fromResults.Contains(resultName):
                    fromResults.Add(resultName);
                    break;
            }
        }
        return fromCalls.Count > 0 ? fromCalls : fromResults;
    }

    private static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value : null;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;
}
