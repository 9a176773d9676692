using Billing.Domain.Reports;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Reports;

/// <summary>Reference exchange rates used by the margin report: read by any key, set or loaded from the NBR by admins.</summary>
public sealed class ExchangeRateFunctions(ExchangeRates rates, CallerResolver callers, TimeProvider clock, ILogger<ExchangeRateFunctions> logger)
{
    [Function("ListExchangeRates")]
    public async Task<IResult> ListExchangeRates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exchange-rates")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "from", "to");
        var csv = Listing.WantsCsv(request, q);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (from, to) = (q.Date("from") ?? today.AddDays(-31), q.Date("to") ?? today);
        q.Range<DateOnly>(from, to, "from", "to");
        q.Check(to.DayNumber - from.DayNumber <= 366, "to", "At most 366 days at a time.");
        return q.Valid ? Listing.Respond(csv, (await rates.ListAsync(from, to, ct)).Select(ExchangeRateView.From).ToList()) : q.Problem;
    }

    public sealed record SetRateRequest
    {
        public required DateOnly Date { get; init; }
        public required string Currency { get; init; }
        public required string QuoteCurrency { get; init; }
        public required decimal Rate { get; init; }
    }

    [Function("SetExchangeRate")]
    public async Task<IResult> SetExchangeRate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "exchange-rates")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var (body, problem) = await JsonBody.ReadAsync<SetRateRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        try
        {
            var rate = await rates.SetAsync(body.Date, body.Currency, body.QuoteCurrency, body.Rate, "manual:" + caller.Caller!.KeyName, ct);
            return TypedResults.Ok(ExchangeRateView.From(rate));
        }
        catch (ArgumentException e)
        {
            return Problems.Refused(e);
        }
    }

    /// <summary>Loads today's NBR reference rates (where the app can reach www.bnr.ro).</summary>
    [Function("LoadNbrExchangeRates")]
    public async Task<IResult> LoadNbrExchangeRates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exchange-rates/nbr")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        try
        {
            var loaded = await rates.LoadNbrAsync(ct);
            return TypedResults.Ok(new Listing.Page<ExchangeRateView>(loaded.Select(ExchangeRateView.From).ToList(), null));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or System.Xml.XmlException)
        {
            logger.LogWarning(e, "Loading the NBR exchange rates failed");
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Rates unavailable",
                detail: "The NBR rate feed could not be read; nothing was stored. Set rates with PUT /api/exchange-rates instead.");
        }
    }
}
