using System.Text.Json;
using System.Text.Json.Serialization;

namespace Billing.Cli;

/// <summary>How commands print: aligned tables for people, JSON for scripts, progress on stderr.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));

    public static void WriteTable(TextWriter writer, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows,
        ISet<int>? rightAligned = null)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) =>
            rightAligned?.Contains(i) == true ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
        writer.WriteLine(Line(headers));
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in all)
        {
            writer.WriteLine(Line(row));
        }
        if (all.Count == 0)
        {
            writer.WriteLine("(none)");
        }
    }
}

/// <summary>A one-line progress bar on stderr, drawn only for an interactive terminal.</summary>
internal sealed class ProgressBar(CliEnvironment environment, string label, long total) : IDisposable
{
    private long _done;
    private int _lastPercent = -1;

    public void Advance(long by = 1)
    {
        var done = Interlocked.Add(ref _done, by);
        if (!environment.Interactive || total <= 0)
        {
            return;
        }
        var percent = (int)(100 * Math.Min(done, total) / total);
        if (percent == Interlocked.Exchange(ref _lastPercent, percent))
        {
            return;
        }
        var filled = percent / 4;
        environment.Error.Write($"\r{label} [{new string('#', filled)}{new string(' ', 25 - filled)}] {percent,3}% ({done}/{total})");
    }

    public void Dispose()
    {
        if (environment.Interactive && total > 0)
        {
            environment.Error.WriteLine();
        }
    }
}
