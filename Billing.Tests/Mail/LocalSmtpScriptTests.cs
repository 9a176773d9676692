using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Domain.Mail;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Billing.Tests.Mail;

/// <summary>
/// scripts/local-smtp.sh, which the demo uses when no SMTP server is configured: it starts smtp4dev (a real SMTP server
/// with a web UI), the app's sender delivers to it, and smtp4dev's own API lists what arrived.
/// </summary>
public sealed class LocalSmtpScriptTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task The_script_starts_smtp4dev_the_app_delivers_to_it_and_its_web_api_shows_the_message()
    {
        var wasRunning = (await RunScriptAsync("status")).ExitCode == 0;
        try
        {
            await DeliverAndReadBackAsync();
        }
        finally
        {
            if (!wasRunning)
            {
                Assert.Equal(0, (await RunScriptAsync("stop")).ExitCode); // leave no server behind that the test started
            }
        }
    }

    private async Task DeliverAndReadBackAsync()
    {
        var settings = await StartAsync();
        var again = await StartAsync(); // a second start reuses the running server

        Assert.Equal(settings, again);
        Assert.Equal(("127.0.0.1", "None"), (settings["Smtp:Host"], settings["Smtp:Security"]));
        await using var services = database.CreateServices(settings: new()
        {
            ["Smtp:Host"] = settings["Smtp:Host"],
            ["Smtp:Port"] = settings["Smtp:Port"],
            ["Smtp:Security"] = settings["Smtp:Security"],
            ["Smtp:From"] = "Facturare <facturi@agentie.test>",
        });
        var subject = $"Factura {Guid.NewGuid():N}: plată până la 15.12.2025";
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Bună ziua" } };
        message.To.Add(MailboxAddress.Parse("receptie@clinica.test"));

        await services.GetRequiredService<IMailSender>().SendAsync(message, Guid.NewGuid(), default);

        using var http = new HttpClient { BaseAddress = new Uri(settings["WebUi"]!) };
        var page = await http.GetFromJsonAsync<JsonElement>("/api/messages?pageSize=100");
        var received = Assert.Single(page.GetProperty("results").EnumerateArray(), m => m.GetProperty("subject").GetString() == subject);
        Assert.Equal("receptie@clinica.test", received.GetProperty("to")[0].GetString());
    }

    private static async Task<Dictionary<string, string>> StartAsync()
    {
        var (exitCode, output) = await RunScriptAsync("start");
        Assert.Equal(0, exitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [RepositoryRoot.Combine("scripts", "local-smtp.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await errors;
        return (process.ExitCode, await output);
    }
}
