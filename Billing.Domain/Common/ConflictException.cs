namespace Billing.Domain.Common;

/// <summary>A change refused because of the state it would change (an issued invoice, a closed period), not because
/// of its input's form: a 409 naming <see cref="Field"/>, where <see cref="InvalidInputException"/> is a 422.</summary>
public sealed class ConflictException(string field, string message) : InvalidOperationException(message)
{
    public string Field { get; } = field;
}
