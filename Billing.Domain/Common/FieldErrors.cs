namespace Billing.Domain.Common;

/// <summary>
/// What is wrong with an input, field by field, named as the caller sent it (the JSON field, camelCase), so an API
/// problem or a CLI error points at the field instead of at "the body". Validation returns these; a service that is
/// handed input it refuses throws them as <see cref="InvalidInputException"/>.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
        return this;
    }

    /// <summary>Adds <paramref name="message"/> for <paramref name="field"/> unless <paramref name="ok"/>.</summary>
    public FieldErrors Check(bool ok, string field, string message) => ok ? this : Add(field, message);

    /// <summary>Lets a part's own validation add to these errors inside a fluent chain.</summary>
    public FieldErrors Merge(Func<FieldErrors, FieldErrors> validate) => validate(this);

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Throws <see cref="InvalidInputException"/> when there is anything to say.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty)
        {
            throw new InvalidInputException(this);
        }
    }

    public override string ToString() => string.Join(" ", _errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));

    public static FieldErrors Of(string field, string message) => new FieldErrors().Add(field, message);
}

/// <summary>Input a service refused, with the fields it names. An <see cref="ArgumentException"/>, so the CLI reports it as a usage error.</summary>
public sealed class InvalidInputException(FieldErrors errors) : ArgumentException(errors.ToString())
{
    public FieldErrors Errors { get; } = errors;

    public InvalidInputException(string field, string message) : this(FieldErrors.Of(field, message))
    {
    }
}
