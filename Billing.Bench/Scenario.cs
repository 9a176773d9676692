using System.Globalization;

namespace Billing.Bench;

/// <summary>
/// What a scenario promises about its figure. <see cref="Score"/> says how many times worse than the promise a figure
/// is: at most 1 meets the target; above <see cref="GuardFactor"/> fails the guard, the regression check that
/// <c>scripts/bench --quick</c> runs in CI. A factor of 2 is wide enough that the noise of shared cores never fails it
/// and narrow enough that a real regression (a per-row round trip, a lost index) does.
/// </summary>
public abstract record Target(string Text)
{
    public const double GuardFactor = 2;

    /// <summary>How many times worse than the target the figure is (1 = exactly on it); null when there is no target.</summary>
    public abstract double? Score(double figure, double? floor);

    /// <summary>The figure is at most <paramref name="ratio"/> times its floor (time: lower is better).</summary>
    public sealed record RatioAtMost(double Ratio) : Target($"<= {Format(Ratio)}x the floor")
    {
        public override double? Score(double figure, double? floor) => floor is > 0 ? figure / floor.Value / Ratio : null;
    }

    /// <summary>The figure is at least <paramref name="ratio"/> times its floor (throughput: higher is better).</summary>
    public sealed record RatioAtLeast(double Ratio) : Target($">= {Format(Ratio)}x the floor")
    {
        public override double? Score(double figure, double? floor) => floor is > 0 && figure > 0 ? Ratio / (figure / floor.Value) : null;
    }

    /// <summary>The figure is at most <paramref name="times"/> its floor plus <paramref name="plus"/> (a latency budget).</summary>
    public sealed record BudgetAtMost(double Times, double Plus, string Unit) : Target($"<= {Format(Times)}x the floor + {Format(Plus)} {Unit}")
    {
        public double Limit(double floor) => Times * floor + Plus;
        public override double? Score(double figure, double? floor) => floor is null ? null : figure / Limit(floor.Value);
    }

    /// <summary>
    /// The figure itself is below <paramref name="limit"/>, whatever the floor (start-up, allocations). With
    /// <paramref name="scalesWithMachine"/>, a time the machine's speed sets: the guard then judges it as it would be on
    /// the machine of the committed full run (see <see cref="Scenario.GuardScore"/>).
    /// </summary>
    public sealed record Below(double Limit, string Unit, bool ScalesWithMachine = false) : Target($"< {Format(Limit)} {Unit}")
    {
        public override double? Score(double figure, double? floor) => figure / Limit;
    }

    /// <summary>Shown beside the others to judge a design by; promises nothing.</summary>
    public sealed record None(string Why) : Target($"none ({Why})")
    {
        public override double? Score(double figure, double? floor) => null;
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// One measured figure beside its floor (what PostgreSQL or the runtime does alone with the same work, in the same run),
/// the target it is held to, and what limits it.
/// </summary>
public sealed record Scenario(string Suite, string Name, double Figure, string Unit, string? FloorName, double? Floor, Target Target,
    string? Limits = null, bool Remeasured = false)
{
    public double? Ratio => Floor is > 0 ? Figure / Floor.Value : null;
    public double? Score => Target.Score(Figure, Floor);

    /// <summary>Whether the target is met; null when the scenario has no target.</summary>
    public bool? Pass => Score is { } score ? score <= 1 : null;

    /// <summary>
    /// The score of the committed full run's figure for this scenario (bench-results/latest.json), when that run
    /// missed the target: the guard then holds the figure to where it is, so a known miss does not keep CI red while a
    /// further regression still fails it. Null when the full run met the target or has no such scenario.
    /// </summary>
    public double? BaselineScore { get; init; }

    /// <summary>The committed full run's floor for this scenario (bench-results/latest.json), when it has one.</summary>
    public double? BaselineFloor { get; init; }

    /// <summary>
    /// The score the guard checks. For an absolute time (<see cref="Target.Below.ScalesWithMachine"/>) it is the figure
    /// scaled by the committed run's floor over this run's: the floor is the same work on both machines (a bare process
    /// start), so a CI machine twice as slow is not read as a regression, while a slower path still is. Otherwise the
    /// score itself: ratios to a floor measured in the same run already carry the machine's speed.
    /// </summary>
    public double? GuardScore => Target is Target.Below { ScalesWithMachine: true } && Floor is > 0 && BaselineFloor is > 0
        ? Score * BaselineFloor.Value / Floor.Value
        : Score;

    /// <summary>
    /// Whether the figure is within <see cref="Target.GuardFactor"/> of its target, or of the recorded miss
    /// (<see cref="BaselineScore"/>): what CI's quick run checks, on <see cref="GuardScore"/>.
    /// </summary>
    public bool WithinGuard => GuardScore is not { } score || score <= Target.GuardFactor * Math.Max(1, BaselineScore ?? 1);
}
