using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ScTransfer.Client;

/// <summary>
/// The five calls of the draft (§6) against one relay, for either device, each retried with its own Mailbox-Correlation-ID
/// (§5, <see cref="RelayTransport"/>) and each error status a typed <see cref="RelayException"/>. Register with
/// <c>services.AddScTransferClient(...)</c> or construct over an <see cref="HttpClient"/> whose base address is the relay.
/// </summary>
public sealed class MailboxClient
{
    public const string CorrelationIdHeader = "Mailbox-Correlation-ID";
    public const string DeviceClaimHeader = "deviceClaim";

    private readonly Uri _relay;
    private readonly MailboxClientOptions _options;
    private readonly RelayTransport _transport;

    public MailboxClient(HttpClient http, IOptions<MailboxClientOptions>? options = null, ILogger<MailboxClient>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _options = options?.Value ?? new MailboxClientOptions();
        _relay = CheckRelayAddress(http.BaseAddress ?? _options.RelayBaseAddress
            ?? throw new ArgumentException("The HttpClient needs a BaseAddress: the relay's URL, e.g. https://relay.example/.", nameof(http)), _options);
        _transport = new RelayTransport(http, _relay, _options, (ILogger?)logger ?? NullLogger.Instance, time ?? TimeProvider.System);
    }

    /// <summary>The relay this client talks to (with a trailing slash).</summary>
    public Uri RelayBaseAddress => _relay;

    /// <summary>CreateMailbox (§6.1). A retried create the relay already did answers 201 with the same link.</summary>
    public async Task<CreatedMailbox> CreateAsync(Guid mailboxId, Guid senderClaim, DisplayInformation display, EncryptedPayload payload,
        MailboxConfiguration configuration, NotificationToken? notificationToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(display);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(configuration);
        var body = MailboxMessages.CreateBody(mailboxId, display, payload, configuration, notificationToken);
        var response = await _transport.SendAsync(HttpMethod.Post, "v1/m", senderClaim, body, cancellationToken).ConfigureAwait(false);
        RelayTransport.EnsureSuccess(response);
        return MailboxMessages.ReadCreated(response, mailboxId, _options);
    }

    /// <summary>ReadDisplayInformationFromMailbox (§6.4): the public OpenGraph preview. Sends no claim, binds nothing.</summary>
    public async Task<DisplayInformation> PreviewAsync(Guid mailboxId, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendAsync(HttpMethod.Get, MailboxPath(mailboxId), null, null, cancellationToken).ConfigureAwait(false);
        RelayTransport.EnsureSuccess(response);
        return MailboxMessages.ReadPreview(response);
    }

    /// <summary>
    /// ReadSecureContentFromMailbox (§6.5). The first claim other than the sender's binds as the receiver; after that
    /// only the two bound claims may read.
    /// </summary>
    public async Task<MailboxContent> ReadAsync(Guid mailboxId, Guid claim, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendAsync(HttpMethod.Post, MailboxPath(mailboxId), claim, null, cancellationToken).ConfigureAwait(false);
        RelayTransport.EnsureSuccess(response);
        return MailboxMessages.ReadContent(response);
    }

    /// <summary>
    /// UpdateMailbox (§6.2): overwrites the payload and leaves this device's push token (required). Needs W in the
    /// mailbox's access rights. Returns whether the relay can push to the other device.
    /// </summary>
    public async Task<bool> UpdateAsync(Guid mailboxId, Guid claim, EncryptedPayload payload, NotificationToken notificationToken,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(notificationToken);
        var body = MailboxMessages.UpdateBody(payload, notificationToken);
        var response = await _transport.SendAsync(HttpMethod.Put, MailboxPath(mailboxId), claim, body, cancellationToken).ConfigureAwait(false);
        RelayTransport.EnsureSuccess(response);
        return MailboxMessages.ReadUpdated(response);
    }

    /// <summary>
    /// DeleteMailbox (§6.3): the sender at any time, the bound receiver with D. A 404 after a retry means an earlier
    /// try already deleted it (§6.3.3), so it counts as success; a 404 on the first try is an error.
    /// </summary>
    public async Task DeleteAsync(Guid mailboxId, Guid claim, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendAsync(HttpMethod.Delete, MailboxPath(mailboxId), claim, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && response.Attempts > 1)
        {
            return;
        }

        RelayTransport.EnsureSuccess(response);
    }

    private static string MailboxPath(Guid mailboxId) => "v1/m/" + mailboxId.ToString("D");

    private static Uri CheckRelayAddress(Uri address, MailboxClientOptions options)
    {
        if (!address.IsAbsoluteUri || address.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException("The relay address must be an absolute https:// URL.", nameof(address));
        }

        if (address.Scheme == "http" && !address.IsLoopback && !options.AllowInsecureHttp)
        {
            throw new ArgumentException(
                $"The relay {address.Host} is plain http; the draft requires https (§4). Only loopback relays may use http unless AllowInsecureHttp is set.",
                nameof(address));
        }

        return address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
    }
}
