using System.Text;

namespace Billing.Domain.Common;

/// <summary>How an enum is spelled in its text column: the original schema uses UPPER for statuses and lower for methods.</summary>
public enum TextCase { Upper, Lower }

/// <summary>
/// The one place that turns an enum into the text stored in the database (and back), so that the
/// value converter and the CHECK constraint can never disagree. PascalCase names become snake_case.
/// </summary>
public static class TextEnum
{
    public static string ToText<TEnum>(TEnum value, TextCase textCase) where TEnum : struct, Enum
    {
        var name = value.ToString();
        var snake = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                snake.Append('_');
            }
            snake.Append(name[i]);
        }
        var text = snake.ToString();
        return textCase == TextCase.Upper ? text.ToUpperInvariant() : text.ToLowerInvariant();
    }

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a known {typeof(TEnum).Name}.");

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || !text.All(c => char.IsLetter(c) || c == '_'))
        {
            return false;
        }
        return Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value)
            && Enum.IsDefined(value);
    }

    public static IReadOnlyList<string> AllTexts<TEnum>(TextCase textCase) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Select(v => ToText(v, textCase)).ToArray();
}
