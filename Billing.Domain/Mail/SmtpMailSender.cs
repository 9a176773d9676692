using Billing.Domain.Outbox;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Billing.Domain.Mail;

/// <summary>Sends e-mail through the configured SMTP server (MailKit).</summary>
public interface IMailSender
{
    /// <summary>Null when mail can be sent; otherwise why not.</summary>
    string? DisabledReason { get; }

    /// <summary>
    /// Sends <paramref name="message"/>, from the configured sender, with <paramref name="messageId"/> as its Message-ID, so
    /// a redelivery reads as the same message. A recipient or message the server refuses for good throws
    /// <see cref="PermanentDeliveryException"/>; anything that may pass later (a 4xx, a network fault) throws as it is.
    /// </summary>
    Task SendAsync(MimeMessage message, Guid messageId, CancellationToken ct);
}

public sealed class SmtpMailSender(IOptions<SmtpOptions> options, ILogger<SmtpMailSender> logger) : IMailSender
{
    public string? DisabledReason => options.Value.DisabledReason;

    public async Task SendAsync(MimeMessage message, Guid messageId, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            throw new InvalidOperationException(o.DisabledReason);
        }
        var from = o.FromAddress();
        message.From.Clear();
        message.From.Add(from);
        if (o.ReplyTo is { } replyTo)
        {
            message.ReplyTo.Clear();
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }
        message.MessageId = MessageId(messageId, from);

        using var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(o.Host!, o.Port, o.SocketOptions(), ct);
            if (!string.IsNullOrEmpty(o.User))
            {
                await client.AuthenticateAsync(o.User, o.Password ?? "", ct);
            }
            await client.SendAsync(message, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500 && e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted)
        {
            // Refused for good: this recipient or this message. The sender being refused (or a 4xx) is the server's or
            // our configuration's problem and is retried, so one bad address never stops everyone's mail.
            var what = e.ErrorCode == SmtpErrorCode.RecipientNotAccepted ? $"recipient {e.Mailbox?.Address} refused" : "message refused";
            logger.LogWarning("SMTP server {Host} refused message {MessageId} for good: {Refusal} ({StatusCode})", o.Host, messageId, what,
                (int)e.StatusCode);
            throw new PermanentDeliveryException($"SMTP {(int)e.StatusCode}: {what}: {e.Message}", e);
        }
    }

    /// <summary><c>&lt;{outbox message id}@{sender's domain}&gt;</c>: stable across redeliveries, unique per message.</summary>
    public static string MessageId(Guid messageId, MailboxAddress from) =>
        $"{messageId:N}@{from.Domain}";
}
