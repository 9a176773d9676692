using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Billing.Domain.Vapi;
using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Billing.Tests.Functions;

/// <summary>
/// Calls to Vapi's API are spans of the trace that made them (HttpClient instrumentation from Program.cs's telemetry),
/// against a loopback HTTP server that answers as Vapi's GET /call/{id} does; the API key never appears in a span.
/// </summary>
public sealed class VapiTelemetryTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string ApiKey = "vapi-private-key-telemetry-000000000001";
    private static readonly ActivitySource TestSource = new("Billing.Tests.VapiTelemetry");

    [Fact]
    public async Task A_call_to_vapis_api_is_a_child_span_of_its_caller_with_the_status_and_without_the_key()
    {
        var port = FreePort();
        using var vapi = new HttpListener();
        vapi.Prefixes.Add($"http://127.0.0.1:{port}/");
        vapi.Start();
        var answered = Task.Run(async () =>
        {
            var context = await vapi.GetContextAsync();
            var authorization = context.Request.Headers["Authorization"];
            context.Response.StatusCode = authorization == $"Bearer {ApiKey}" ? 200 : 401;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync("""{"id":"call-telemetry-1","status":"ended"}"""u8.ToArray());
            context.Response.Close();
            return context.Request.Url!.AbsolutePath;
        });
        var spans = new List<Activity>();
        var settings = new Dictionary<string, string?> { ["Vapi:BaseUrl"] = $"http://127.0.0.1:{port}/", ["Vapi:ApiKey"] = ApiKey };
        await using var services = database.CreateServices(settings: settings, overrides: s =>
        {
            s.AddBillingTelemetry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TestSource.Name).AddInMemoryExporter(spans));
        });
        var tracer = services.GetRequiredService<TracerProvider>();

        string parentSpan;
        using (var caller = TestSource.StartActivity("billing.cycle.run")!)
        {
            parentSpan = caller.SpanId.ToHexString();
            var call = await services.GetRequiredService<IVapiApi>().GetCallAsync("call-telemetry-1", default);
            Assert.Equal("ended", call!.Value.GetProperty("status").GetString());
        }
        tracer.ForceFlush();
        // The provider also records other tests' spans as they end: stop it, then read this test's trace only.
        await services.DisposeAsync();
        Activity[] recorded = [.. spans];

        Assert.Equal("/call/call-telemetry-1", await answered);
        var http = Assert.Single(recorded, s => s.Kind == ActivityKind.Client && s.ParentSpanId.ToHexString() == parentSpan
            && s.Source.Name.StartsWith("System.Net.Http", StringComparison.Ordinal));
        Assert.Equal("GET", http.GetTagItem("http.request.method"));
        Assert.Equal(200, Convert.ToInt32(http.GetTagItem("http.response.status_code"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(recorded.SelectMany(s => s.TagObjects), t => t.Value?.ToString()?.Contains(ApiKey, StringComparison.Ordinal) == true);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
