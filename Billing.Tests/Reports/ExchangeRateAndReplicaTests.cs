using System.Net;
using System.Text;
using System.Xml.Linq;
using Billing.Domain.Access;
using Billing.Domain.Reports;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Billing.Tests.Reports;

public sealed class ExchangeRateAndReplicaTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    // The shape of https://www.bnr.ro/nbrfxrates.xml (abridged).
    private const string NbrFeed = """
        <?xml version="1.0" encoding="utf-8"?>
        <DataSet xmlns="http://www.bnr.ro/xsd">
          <Header><Publisher>National Bank of Romania</Publisher><PublishingDate>2025-11-28</PublishingDate><MessageType>DR</MessageType></Header>
          <Body>
            <Subject>Reference rates</Subject>
            <OrigCurrency>RON</OrigCurrency>
            <Cube date="2025-11-28">
              <Rate currency="EUR">5.0892</Rate>
              <Rate currency="HUF" multiplier="100">1.3175</Rate>
              <Rate currency="USD">4.3731</Rate>
            </Cube>
          </Body>
        </DataSet>
        """;

    private sealed class Feed(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "text/xml") });
        }
    }

    [Fact]
    public void The_nbr_feed_gives_ron_per_unit_dividing_by_the_multiplier()
    {
        var rates = ExchangeRates.ParseNbrFeed(XDocument.Parse(NbrFeed)).ToList();

        Assert.Equal([(new DateOnly(2025, 11, 28), "EUR", 5.0892m), (new DateOnly(2025, 11, 28), "HUF", 0.013175m),
            (new DateOnly(2025, 11, 28), "USD", 4.3731m)], rates);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, NbrFeed, 200, 3)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "down", 502, 0)]
    [InlineData(HttpStatusCode.OK, "<DataSet><Body><Cube date=\"28.11.2025\"><Rate currency=\"USD\">4.3</Rate></Cube></Body></DataSet>", 502, 0)]
    public async Task Loading_the_nbr_feed_stores_its_rates_or_stores_nothing_and_says_so(HttpStatusCode feedStatus, string body, int status,
        int stored)
    {
        var feed = new Feed(feedStatus, body);
        await using var scenario = new BillingScenario(database, configure: s => s.Configure<HttpClientFactoryOptions>(ExchangeRates.HttpClientName,
            o => o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = feed)));
        string key;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("ops", ApiKeyScope.Admin, null, null, default)).PlainKey;
        }

        var response = await new Api(scenario.Services).SendAsync("POST", "/api/exchange-rates/nbr", key);

        Assert.Equal((status, 1), (response.Status, feed.Requests));
        Assert.Equal(stored, status == 200 ? response.Json.GetProperty("items").GetArrayLength() : 0);
        if (status == 200)
        {
            var usd = response.Json.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("currency").GetString() == "USD");
            Assert.Equal(("4.3731", "RON", "BNR"), (usd.GetProperty("rate").GetString(), usd.GetProperty("quoteCurrency").GetString(),
                usd.GetProperty("source").GetString()));
        }
    }

    [Fact]
    public async Task Query_endpoints_read_from_the_replica_when_one_is_configured_and_writes_stay_on_the_primary()
    {
        // A second database stands in for the replica: what the endpoints show must come from it.
        await using var replica = new TestDatabase(database.Server);
        await replica.InitializeAsync();
        await using var primaryWorld = await ReportingWorld.CreateAsync(database, "primary");
        await using var replicaWorld = await ReportingWorld.CreateAsync(replica, "replica");
        await using var services = database.CreateServices(settings: new() { ["ConnectionStrings:BillingReadOnly"] = replica.ConnectionString });
        string key;
        await using (var scope = services.CreateAsyncScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("ops", ApiKeyScope.Admin, null, null, default)).PlainKey;
        }
        var api = new Api(services);

        var invoices = (await api.GetAsync("/api/invoices?limit=500", key)).Json.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("clientId").GetString()).Distinct().Order().ToList();
        var rate = await api.SendAsync("PUT", "/api/exchange-rates", key, """{"date":"2025-11-27","currency":"USD","quoteCurrency":"RON","rate":4.4}""");

        Assert.Equal(["replica_a", "replica_b"], invoices);
        Assert.Equal(200, rate.Status);
        await using var primary = database.CreateContext();
        await using var readOnly = replica.CreateContext();
        Assert.Contains(primary.ExchangeRates, r => r.Date == new DateOnly(2025, 11, 27));
        Assert.DoesNotContain(readOnly.ExchangeRates, r => r.Date == new DateOnly(2025, 11, 27));
    }
}
