using Microsoft.Extensions.Logging;

namespace Billing.Functions.Reports;

/// <summary>Reference exchange rates used by the margin report: read by any key, set or loaded from the NBR by admins.</summary>
public sealed class ExchangeRateFunctions(ExchangeRates rates, CallerResolver callers, TimeProvider clock, ILogger<ExchangeRateFunctions> logger)
{
    [Function(nameof(ListExchangeRates))]
    public Task<IResult> ListExchangeRates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exchange-rates")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["from", "to"], (_, q) =>
        {
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            var (from, to) = (q.Date("from") ?? today.AddDays(-31), q.Date("to") ?? today);
            q.Range<DateOnly>(from, to, "from", "to");
            q.Check(to.DayNumber - from.DayNumber <= 366, "to", "At most 366 days at a time.");
            return q.RespondAsync(async () => q.List((await rates.ListAsync(from, to, ct)).Select(ExchangeRateView.From).ToList()));
        }, ct);

    public sealed record SetRateRequest
    {
        public required DateOnly Date { get; init; }
        public required string Currency { get; init; }
        public required string QuoteCurrency { get; init; }
        public required decimal Rate { get; init; }
    }

    [Function(nameof(SetExchangeRate))]
    public Task<IResult> SetExchangeRate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "exchange-rates")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<SetRateRequest>(request, Access.Admin, async (caller, body) =>
            TypedResults.Ok(ExchangeRateView.From(
                await rates.SetAsync(body.Date, body.Currency, body.QuoteCurrency, body.Rate, "manual:" + caller.KeyName, ct))), ct);

    /// <summary>Loads today's NBR reference rates (where the app can reach www.bnr.ro).</summary>
    [Function(nameof(LoadNbrExchangeRates))]
    public Task<IResult> LoadNbrExchangeRates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exchange-rates/nbr")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async _ =>
        {
            try
            {
                var loaded = await rates.LoadNbrAsync(ct);
                return TypedResults.Ok(new Listing.Page<ExchangeRateView>(loaded.Select(ExchangeRateView.From).ToList(), null));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or System.Xml.XmlException)
            {
                logger.LogWarning(e, "Loading the NBR exchange rates failed");
                return Problems.UpstreamUnavailable("Rates unavailable",
                    "The NBR rate feed could not be read; nothing was stored. Set rates with PUT /api/exchange-rates instead.");
            }
        }, ct);
}
