using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using MimeKit;

namespace Billing.Domain.Mail;

public enum SmtpSecurity { StartTls, SslOnConnect, Auto, None }

/// <summary>
/// The SMTP server that sends e-mail (<c>Smtp</c>). Without a <see cref="Host"/>, sending is off: messages wait in the
/// outbox, and health says why. The password comes from Key Vault in Azure, never from the repository.
/// </summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default, port 587: TLS required), <c>SslOnConnect</c> (port 465), <c>Auto</c> (STARTTLS when
    /// offered), <c>None</c> (plain text: only a local test server).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>Facturare Agenție &lt;facturi@agentie.ro&gt;</c>; its domain also names the Message-IDs.</summary>
    public string? From { get; set; }
    public string? ReplyTo { get; set; }

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public string? DisabledReason => Enabled ? null : "sending e-mail is off: Smtp:Host is not set";

    public MailboxAddress FromAddress() => MailboxAddress.Parse(From!);

    public SecureSocketOptions SocketOptions() => Security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.Auto => SecureSocketOptions.Auto,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!IsMailbox(From))
        {
            yield return new ValidationResult("Smtp:From must be an e-mail address (e.g. 'Facturi <facturi@agentie.ro>') when Smtp:Host is set.",
                [nameof(From)]);
        }
        if (ReplyTo is not null && !IsMailbox(ReplyTo))
        {
            yield return new ValidationResult("Smtp:ReplyTo must be an e-mail address.", [nameof(ReplyTo)]);
        }
        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(User))
        {
            yield return new ValidationResult("Smtp:Password is set without Smtp:User.", [nameof(User)]);
        }
    }

    private static bool IsMailbox(string? text) =>
        !string.IsNullOrWhiteSpace(text) && MailboxAddress.TryParse(text, out var address) && address.Address.Contains('@');
}
