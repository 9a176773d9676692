using System.Globalization;
using System.Xml.Linq;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Reports;

public sealed class ExchangeRateOptions
{
    public const string Section = "ExchangeRates";

    /// <summary>The National Bank of Romania's daily reference rates (XML, RON per unit of each currency).</summary>
    public Uri NbrFeedUrl { get; set; } = new("https://www.bnr.ro/nbrfxrates.xml");
}

/// <summary>Daily reference rates: set by hand (CLI or API) or loaded from the NBR feed. Used to compare USD costs with invoices.</summary>
public sealed class ExchangeRates(BillingDbContext db, IHttpClientFactory http, IOptions<ExchangeRateOptions> options)
{
    public const string NbrSource = "BNR";
    public const string HttpClientName = "nbr-rates";

    /// <summary>Sets (or replaces) the rate of one currency in another on a day.</summary>
    public async Task<ExchangeRate> SetAsync(DateOnly date, string currency, string quoteCurrency, decimal rate, string source, CancellationToken ct)
    {
        if (rate <= 0)
        {
            throw new InvalidInputException("rate", "A rate must be positive.");
        }
        if (!IsCurrency(currency) || !IsCurrency(quoteCurrency) || currency == quoteCurrency)
        {
            throw new InvalidInputException("currency", "Currencies are two different ISO 4217 codes such as USD and RON.");
        }
        var existing = await db.ExchangeRates.SingleOrDefaultAsync(r => r.Date == date && r.Currency == currency && r.QuoteCurrency == quoteCurrency, ct);
        if (existing is null)
        {
            existing = new ExchangeRate { Date = date, Currency = currency, QuoteCurrency = quoteCurrency, Source = source };
            db.ExchangeRates.Add(existing);
        }
        existing.Rate = rate;
        existing.Source = source;
        await db.SaveChangesAsync(ct);
        return existing;
    }

    public Task<List<ExchangeRate>> ListAsync(DateOnly from, DateOnly to, CancellationToken ct) =>
        db.ExchangeRates.AsNoTracking().Where(r => r.Date >= from && r.Date <= to)
            .OrderBy(r => r.Date).ThenBy(r => r.Currency).ThenBy(r => r.QuoteCurrency).ToListAsync(ct);

    /// <summary>Loads the NBR feed's rates (RON per unit) and stores them; returns what was stored.</summary>
    public async Task<List<ExchangeRate>> LoadNbrAsync(CancellationToken ct)
    {
        using var client = http.CreateClient(HttpClientName);
        await using var feed = await client.GetStreamAsync(options.Value.NbrFeedUrl, ct);
        var stored = new List<ExchangeRate>();
        foreach (var (date, currency, rate) in ParseNbrFeed(await XDocument.LoadAsync(feed, LoadOptions.None, ct)))
        {
            stored.Add(await SetAsync(date, currency, "RON", rate, NbrSource, ct));
        }
        return stored;
    }

    /// <summary>
    /// Reads NBR's <c>DataSet/Body/Cube[@date]/Rate[@currency][@multiplier]</c>: the value is RON for
    /// <c>multiplier</c> units (100 HUF), so the rate per unit is value / multiplier.
    /// </summary>
    public static IEnumerable<(DateOnly Date, string Currency, decimal Rate)> ParseNbrFeed(XDocument feed)
    {
        foreach (var cube in feed.Descendants().Where(e => e.Name.LocalName == "Cube"))
        {
            var date = DateOnly.ParseExact((string?)cube.Attribute("date") ?? throw new FormatException("A Cube without a date."), "yyyy-MM-dd",
                CultureInfo.InvariantCulture);
            foreach (var rate in cube.Elements().Where(e => e.Name.LocalName == "Rate"))
            {
                var currency = (string?)rate.Attribute("currency") ?? throw new FormatException("A Rate without a currency.");
                var multiplier = rate.Attribute("multiplier") is { } m ? decimal.Parse(m.Value, CultureInfo.InvariantCulture) : 1m;
                var value = decimal.Parse(rate.Value.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture);
                if (IsCurrency(currency) && value > 0 && multiplier > 0)
                {
                    yield return (date, currency, Math.Round(value / multiplier, 6, MidpointRounding.AwayFromZero));
                }
            }
        }
    }

    private static bool IsCurrency(string code) => code.Length == 3 && code.All(char.IsAsciiLetterUpper);
}
