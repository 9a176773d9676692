using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Outbox;
using Billing.Domain.Telemetry;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Billing.Functions.Infrastructure;
using Billing.Functions.Outbox;
using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Billing.Tests.Functions;

/// <summary>The app's telemetry registration (Program.cs) with an in-memory exporter: spans from the webhook down to
/// the database, the named metrics, and logs carrying the trace.</summary>
public sealed class TelemetryTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private const string Secret = "x-vapi-secret-telemetry-00000000001";
    private static readonly ActivitySource TestSource = new("Billing.Tests.Telemetry");

    private readonly List<Activity> _spans = [];

    /// <summary>A copy of what an exporter collected: it keeps adding (other test classes' spans among them) while a test
    /// reads, and enumerating the list itself failed a CI run with "Collection was modified". A copy taken while the list
    /// grew is taken again.</summary>
    private static List<T> Copy<T>(List<T> exported)
    {
        while (true)
        {
            try
            {
                return [.. exported.ToArray()];
            }
            catch (ArgumentException)
            {
            }
        }
    }

    private List<Activity> Spans() => Copy(_spans);
    private readonly List<LogRecord> _logs = [];
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Vapi:Webhook:Secrets:0"] = Secret,
            ["Vapi:Webhook:CompleteFromApi"] = "false",
            ["Billing:ReconciliationEnabled"] = "false",
        };
        _services = database.CreateServices(settings: settings, overrides: s =>
        {
            s.AddSingleton(Substitute.For<IVapiApi>());
            s.AddBillingTelemetry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TestSource.Name).AddInMemoryExporter(_spans));
            s.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(_logs));
        });
        _ = _services.GetRequiredService<TracerProvider>();
        await using var db = database.CreateContext();
        if (db.Clients.Any(c => c.ClientId == "telemetry_client"))
        {
            return;
        }
        db.Clients.Add(new Client
        {
            ClientId = "telemetry_client",
            Name = "Telemetry client",
            MonthlyFee = 100m,
            PricePerMinute = 0.5m,
            Assistants = [new ClientAssistant { VapiId = "asst_telemetry", ClientId = "telemetry_client" }],
        });
        await db.SaveChangesAsync();
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task A_webhook_report_is_one_trace_from_the_request_to_the_database_commands()
    {
        string traceId;
        using (var request = TestSource.StartActivity("POST /api/vapi/webhook")!)
        {
            traceId = request.TraceId.ToHexString();
            var response = await PostAsync(Report("trace-call-0001"));
            Assert.Equal(200, response.Status);
        }
        _services.GetRequiredService<TracerProvider>().ForceFlush();

        var trace = Spans().Where(s => s.TraceId.ToHexString() == traceId).ToList();
        var ingest = Assert.Single(trace, s => s.OperationName == "billing.report.ingest");
        Assert.Equal("trace-call-0001", ingest.GetTagItem("billing.call_id"));
        Assert.Equal("inserted", ingest.GetTagItem("billing.outcome"));
        var commands = trace.Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal(ingest.SpanId, c.ParentSpanId));
    }

    [Fact]
    public async Task Logs_written_while_recording_carry_the_trace_and_span()
    {
        string traceId;
        using (var request = TestSource.StartActivity("POST /api/vapi/webhook")!)
        {
            traceId = request.TraceId.ToHexString();
            await PostAsync(Report("trace-call-0002"));
        }
        _services.GetRequiredService<LoggerProvider>().ForceFlush();

        var recorded = Assert.Single(Copy(_logs), l => l.CategoryName == typeof(EndOfCallReportIngestion).FullName
            && l.Attributes?.Any(a => a.Key == "CallId" && Equals(a.Value, "trace-call-0002")) == true);
        Assert.Equal(traceId, recorded.TraceId.ToHexString());
    }

    [Fact]
    public async Task Recorded_replayed_and_quarantined_reports_and_webhook_latency_are_counted()
    {
        using var listener = Listen(out var measurements);

        await PostAsync(Report("metric-call-0001"));
        await PostAsync(Report("metric-call-0001"));
        await PostAsync(Report("metric-call-0002", m => m["call"]!.AsObject().Remove("id")));
        await PostAsync("{not json");

        Assert.Equal(1, Sum(measurements, "billing.calls.recorded", ("source", "webhook")));
        Assert.Equal(1, Sum(measurements, "billing.calls.replayed", ("source", "webhook")));
        Assert.Equal(1, Sum(measurements, "billing.reports.quarantined", ("reason", "unusable")));
        Assert.Equal(1, Sum(measurements, "billing.reports.quarantined", ("reason", "malformed")));
        Assert.Equal(4, measurements.Count(m => m.Name == "billing.webhook.duration"));
        Assert.All(measurements.Where(m => m.Name == "billing.webhook.duration"), m => Assert.InRange(m.Value, 0, 60));
    }

    [Fact]
    public async Task A_call_recorded_by_reconciliation_counts_as_recovered()
    {
        using var listener = Listen(out var measurements);
        var recorder = _services.GetRequiredService<UsageRecorder>();
        using var report = System.Text.Json.JsonDocument.Parse(Report("recovered-call-0001"));
        var parsed = VapiCallParser.FromEndOfCallReport(report.RootElement.GetProperty("message"));

        await recorder.RecordAsync(parsed.Call!, UsageSource.Reconciliation, raw: null, CancellationToken.None);
        await recorder.RecordAsync(parsed.Call!, UsageSource.Reconciliation, raw: null, CancellationToken.None);

        Assert.Equal(1, Sum(measurements, "billing.calls.recovered"));
        Assert.Equal(1, Sum(measurements, "billing.calls.recorded", ("source", "reconciliation")));
        Assert.Equal(1, Sum(measurements, "billing.calls.replayed", ("source", "reconciliation")));
    }

    [Fact]
    public async Task A_billing_run_through_the_service_the_cli_uses_counts_its_invoices_in_one_span()
    {
        using var listener = Listen(out var measurements);
        await using (var db = database.CreateContext())
        {
            db.Clients.Add(new Client
            {
                ClientId = "telemetry_billed",
                Name = "Telemetry billed",
                MonthlyFee = 100m,
                PricePerMinute = 0.5m,
                BillingStartDate = new DateOnly(2025, 9, 1),
            });
            await db.SaveChangesAsync();
        }

        BillingRunSummary summary;
        string traceId;
        // Under a span of this test: the provider also sees runs that other test classes start at the same time.
        using (var caller = TestSource.StartActivity("billing cycle run (CLI)")!)
        await using (var scope = _services.CreateAsyncScope())
        {
            traceId = caller.TraceId.ToHexString();
            summary = await scope.ServiceProvider.GetRequiredService<BillingCycle>()
                .RunAsync(new BillingRunRequest(new DateTimeOffset(2025, 12, 1, 12, 0, 0, TimeSpan.Zero), "cli", "telemetry_billed"), default);
        }
        _services.GetRequiredService<TracerProvider>().ForceFlush();

        Assert.Equal(3, summary.InvoicesCreated); // September, October, November
        Assert.Equal(3, Sum(measurements, "billing.invoices.issued"));
        Assert.Equal(0, Sum(measurements, "billing.runs.failed"));
        var run = Assert.Single(Spans(), s => s.OperationName == "billing.cycle.run" && s.TraceId.ToHexString() == traceId);
        Assert.Equal(3, run.GetTagItem("billing.invoices_created"));
        Assert.Equal("disabled", run.GetTagItem("billing.reconciliation"));
    }

    [Fact]
    public async Task Each_outbox_delivery_run_publishes_the_dead_letters_the_alert_watches()
    {
        using var listener = Listen(out var measurements);
        await using (var db = database.CreateContext())
        {
            var now = DateTimeOffset.UtcNow;
            db.OutboxMessages.AddRange(
                new OutboxMessage { Kind = "telemetry-test", Key = "dead-1", Status = OutboxStatus.Dead, CreatedAt = now, NextAttemptAt = now, DeadAt = now },
                new OutboxMessage { Kind = "telemetry-test", Key = "dead-2", Status = OutboxStatus.Dead, CreatedAt = now, NextAttemptAt = now, DeadAt = now });
            await db.SaveChangesAsync();
        }

        await using (var scope = _services.CreateAsyncScope())
        {
            var function = ActivatorUtilities.CreateInstance<OutboxFunctions>(scope.ServiceProvider);
            await function.Deliver(new TimerInfo(), default);
        }

        await using var check = database.CreateContext();
        var dead = await check.OutboxMessages.CountAsync(m => m.Status == OutboxStatus.Dead);
        Assert.True(dead >= 2);
        Assert.Equal(dead, Assert.Single(measurements, m => m.Name == "billing.outbox.dead").Value);
        Assert.Single(measurements, m => m.Name == "billing.outbox.oldest_pending_age");
    }

    [Fact]
    public void Application_insights_and_otlp_exporters_can_be_configured_together()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/",
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddBillingTelemetry(configuration).BuildServiceProvider();

        Assert.NotNull(services.GetRequiredService<TracerProvider>());
        Assert.NotNull(services.GetRequiredService<MeterProvider>());
    }

    private sealed record Measurement(string Name, double Value, Dictionary<string, string?> Tags);

    /// <summary>Measurements of this test class's own meter (the provider's IMeterFactory), not of other tests running at once.</summary>
    private MeterListener Listen(out List<Measurement> measurements)
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _ = _services.GetRequiredService<BillingMetrics>();
        var collected = new List<Measurement>();
        measurements = collected;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BillingMetrics.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, string?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value?.ToString();
            }
            lock (collected)
            {
                collected.Add(new Measurement(instrument.Name, value, copy));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        return listener;
    }

    private static double Sum(List<Measurement> measurements, string name, params (string Key, string Value)[] tags) =>
        measurements.Where(m => m.Name == name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Sum(m => m.Value);

    private static string Report(string callId, Action<JsonObject>? change = null)
    {
        var json = JsonNode.Parse(Fixtures.Vapi("end-of-call-report-success.json"))!.AsObject();
        json["message"]!["call"]!["id"] = callId;
        json["message"]!["call"]!["assistantId"] = "asst_telemetry";
        change?.Invoke(json["message"]!.AsObject());
        return json.ToJsonString();
    }

    private async Task<HttpTesting.Response> PostAsync(string body)
    {
        await using var scope = _services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/vapi/webhook", body: body,
            headers: new() { ["X-Vapi-Secret"] = Secret });
        return await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, CancellationToken.None), context);
    }
}
