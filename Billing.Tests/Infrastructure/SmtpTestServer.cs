using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free loopback port, in the test process: what it accepted is read
/// back as MIME. Recipients whose address starts with <c>refused</c> get a 550, as an unknown mailbox would.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;
    private readonly ConcurrentQueue<MimeMessage> _received = new();

    public SmtpTestServer()
    {
        Port = FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(_received));
        services.Add(new RefuseSomeRecipients());
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyList<MimeMessage> Received => _received.ToArray();

    /// <summary>The app's settings for this server: plain SMTP on loopback, no login.</summary>
    public Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null) => SettingsFor(Port, more);

    /// <summary>Settings for a loopback port where no server listens.</summary>
    public static Dictionary<string, string?> NobodyListening() => SettingsFor(FreePort(), null);

    private static Dictionary<string, string?> SettingsFor(int port, Dictionary<string, string?>? more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "Facturare Agenție <facturi@agentie.test>",
            ["Smtp:ReplyTo"] = "contabilitate@agentie.test",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class RefuseSomeRecipients : MailboxFilter
    {
        public override Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!to.User.StartsWith("refused", StringComparison.OrdinalIgnoreCase));
    }
}
