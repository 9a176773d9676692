using Billing.Tests.Infrastructure;

namespace Billing.Tests.Cli;

public sealed class RateCommandsTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly CliRunner _cli = new(database);

    [Fact]
    public async Task An_operator_sets_a_rate_by_hand_and_lists_it_and_a_bad_rate_is_refused()
    {
        var set = await _cli.RunAsync("rates", "set", "--date", "2025-11-28", "--rate", "4.3731");
        var negative = await _cli.RunAsync("rates", "set", "--date", "2025-11-28", "--rate", "-1");
        var listed = await _cli.RunAsync("rates", "list", "--from", "2025-11-01", "--to", "2025-11-30");

        Assert.Equal(0, set.ExitCode);
        Assert.Contains("1 USD = 4.3731 RON", set.Out);
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("4.3731", listed.Out);
        Assert.Contains("manual:cli", listed.Out);
    }
}
