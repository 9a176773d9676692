using Billing.Domain.Mail;
using Billing.Domain.Outbox;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Billing.Tests.Mail;

/// <summary>MailKit against a real SMTP server in the test process.</summary>
public sealed class SmtpMailSenderTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task A_message_reaches_the_smtp_server_with_its_attachment_sender_and_stable_message_id()
    {
        await using var smtp = new SmtpTestServer();
        await using var services = database.CreateServices(settings: smtp.Settings());
        var sender = services.GetRequiredService<IMailSender>();
        var id = Guid.NewGuid();
        var body = new BodyBuilder { TextBody = "Bună ziua, găsiți atașată factura." };
        body.Attachments.Add("factura.pdf", "%PDF-1.4 test"u8.ToArray(), new ContentType("application", "pdf"));
        var message = new MimeMessage { Subject = "Factura VAI-2025-000001", Body = body.ToMessageBody() };
        message.To.Add(MailboxAddress.Parse("receptie@clinica.test"));

        Assert.Null(sender.DisabledReason);
        await sender.SendAsync(message, id, default);

        var received = Assert.Single(smtp.Received);
        Assert.Equal($"{id:N}@agentie.test", received.MessageId);
        Assert.Equal("facturi@agentie.test", received.From.Mailboxes.Single().Address);
        Assert.Equal("Facturare Agenție", received.From.Mailboxes.Single().Name);
        Assert.Equal("contabilitate@agentie.test", received.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("Bună ziua, găsiți atașată factura.", received.TextBody?.Trim());
        var attachment = Assert.IsType<MimePart>(Assert.Single(received.Attachments));
        Assert.Equal("factura.pdf", attachment.FileName);
        using var content = new MemoryStream();
        await attachment.Content!.DecodeToAsync(content);
        Assert.Equal("%PDF-1.4 test"u8.ToArray(), content.ToArray());
    }

    [Fact]
    public async Task A_refused_recipient_is_a_permanent_failure_naming_the_address()
    {
        await using var smtp = new SmtpTestServer();
        await using var services = database.CreateServices(settings: smtp.Settings());
        var message = new MimeMessage { Subject = "Factura", Body = new TextPart("plain") { Text = "x" } };
        message.To.Add(MailboxAddress.Parse("refused@clinica.test"));

        var refused = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => services.GetRequiredService<IMailSender>().SendAsync(message, Guid.NewGuid(), default));

        Assert.Contains("refused@clinica.test", refused.Message);
        Assert.StartsWith("SMTP 55", refused.Message);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_failure_to_retry_not_a_refusal()
    {
        await using var services = database.CreateServices(settings: SmtpTestServer.NobodyListening());
        var message = new MimeMessage { Subject = "Factura", Body = new TextPart("plain") { Text = "x" } };
        message.To.Add(MailboxAddress.Parse("receptie@clinica.test"));

        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => services.GetRequiredService<IMailSender>().SendAsync(message, Guid.NewGuid(), default));

        Assert.IsNotType<PermanentDeliveryException>(failure);
    }

    [Fact]
    public async Task Without_a_host_sending_is_off_and_says_which_setting_is_missing()
    {
        await using var services = database.CreateServices();

        Assert.Equal("sending e-mail is off: Smtp:Host is not set", services.GetRequiredService<IMailSender>().DisabledReason);
    }

    [Theory]
    [InlineData("Smtp:From", "not an address", "Smtp:From must be an e-mail address")]
    [InlineData("Smtp:ReplyTo", "nope", "Smtp:ReplyTo must be an e-mail address")]
    [InlineData("Smtp:Password", "secret", "Smtp:Password is set without Smtp:User")]
    public async Task A_host_with_a_bad_companion_setting_fails_start_up_naming_it(string key, string value, string message)
    {
        await using var smtp = new SmtpTestServer();
        await using var services = database.CreateServices(settings: smtp.Settings(new() { [key] = value }));

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SmtpOptions>>().Value);

        Assert.Contains(message, failure.Message);
    }
}
