namespace Billing.Domain.Parties;

/// <summary>Small text rules both parties share.</summary>
public static class PartyText
{
    public const int MaxEmail = 320;

    /// <summary>Trimmed; blank is null (not given).</summary>
    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>One <c>@</c> with text on both sides and no spaces: mail servers decide the rest.</summary>
    public static bool IsEmail(string value) =>
        value.Length <= MaxEmail && value.IndexOf('@') is > 0 and var at && at == value.LastIndexOf('@') && at < value.Length - 1
        && !value.Any(char.IsWhiteSpace);
}
