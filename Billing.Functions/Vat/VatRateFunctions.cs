using Billing.Domain.Audit;
using Billing.Domain.Vat;

namespace Billing.Functions.Vat;

/// <summary>The VAT rates by validity: read by any key, set by admins.</summary>
public sealed class VatRateFunctions(VatRateTable rates, CallerResolver callers)
{
    [Function(nameof(ListVatRates))]
    public Task<IResult> ListVatRates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "vat-rates")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, [], (_, q) =>
            q.RespondAsync(async () => q.List((await rates.ListAsync(ct)).Select(VatRateView.From).ToList())), ct);

    public sealed record SetVatRateRequest
    {
        public required VatRateKind Kind { get; init; }
        public required decimal Percent { get; init; }
        public required DateOnly ValidFrom { get; init; }
        public DateOnly? ValidTo { get; init; }
    }

    /// <summary>A rate from a day (closing the one in force then), or a correction of the rate starting that day.</summary>
    [Function(nameof(SetVatRate))]
    public Task<IResult> SetVatRate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "vat-rates")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<SetVatRateRequest>(request, Access.Admin, async (caller, body) =>
            TypedResults.Ok(VatRateView.From(await rates.SetAsync(body.Kind, body.Percent, body.ValidFrom, body.ValidTo, Actor.For(caller), ct))), ct);
}

public sealed record VatRateView(string Kind, string Percent, string ValidFrom, string? ValidTo)
{
    public static VatRateView From(VatRate r) => new(Formats.Lower(r.Kind), Formats.Money(r.Percent), Formats.Date(r.ValidFrom), Formats.Date(r.ValidTo));
}
