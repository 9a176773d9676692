namespace Billing.Cli;

/// <summary>
/// What a CLI run talks to: its output streams and any settings that override the environment's. The real
/// program uses the process's; tests pass their own, so they drive the same commands in-process.
/// </summary>
internal sealed class CliEnvironment
{
    public TextWriter Out { get; init; } = Console.Out;
    public TextWriter Error { get; init; } = Console.Error;
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
    public TimeProvider? Clock { get; init; }
    /// <summary>Progress bars only when a person is watching.</summary>
    public bool Interactive { get; init; } = !Console.IsErrorRedirected;
}
