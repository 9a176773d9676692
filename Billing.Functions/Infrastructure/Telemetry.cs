using Azure.Monitor.OpenTelemetry.Exporter;
using Billing.Domain.Common;
using Billing.Domain.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// OpenTelemetry for the worker: each invocation's span (continuing the host's trace), the app's own spans and metrics
/// (<see cref="BillingMetrics"/>), Npgsql's commands and HttpClient's calls (Vapi, NBR) inside them, and logs carrying
/// the trace and span ids. Exported to Application Insights when its connection string is set (signing in with the
/// app's identity, since the component refuses local auth), and over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
/// (a local collector or dashboard); both at once is allowed, neither exports nothing.
/// </summary>
public static class Telemetry
{
    public const string DefaultServiceName = "billing-functions";

    public static IServiceCollection AddBillingTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName))
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(BillingMetrics.Name)
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(BillingMetrics.Name)
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging();

        if (configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
        {
            var entra = (configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] ?? "")
                .Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase);
            telemetry.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                if (entra)
                {
                    o.Credential = AppCredential.Create();
                }
            });
        }
        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 })
        {
            // Endpoint, protocol and headers come from the standard OTEL_EXPORTER_OTLP_* variables.
            telemetry.UseOtlpExporter();
        }
        return services;
    }
}
