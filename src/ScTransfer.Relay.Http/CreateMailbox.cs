using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>CreateMailbox, draft §6.1: <c>POST /v1/m</c>.</summary>
[RateLimit(RateLimitClass.Create)]
public sealed class CreateMailbox(MailboxService mailboxes, MailboxRequestParser parser, RequestBodyReader body, ShareLinks links, PrivacyPassGate privacyPass)
{
    [Function(nameof(CreateMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/m")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetDeviceClaim(request, out var claim, out var problem))
        {
            return problem;
        }

        if (!body.TryParseJson<CreateMailboxRequest>(request, parser.TryParseCreate, out var create, out var invalid))
        {
            return invalid;
        }

        // §8.2 deviceAttestation as Privacy Pass: checked after the request is known to be valid, so a bad request spends no token.
        if (await privacyPass.AuthorizeCreateAsync(request, cancellationToken) is { } challenge)
        {
            return challenge;
        }

        var outcome = await mailboxes.CreateAsync(create, claim, RelayRequestFeature.Of(request).CorrelationId, cancellationToken);
        if (outcome.Error is { } refused)
        {
            return RelayResults.Problem(refused);
        }

        var urlLink = links.For(outcome.Value);
        var canPush = mailboxes.CanPushTo(create.NotificationToken);
        // no-store: the link is the share itself; whoever holds it may bind as the receiver (§6.5).
        return RelayResults.Json(outcome.Status, json =>
        {
            json.WriteStartObject();
            json.WriteString("urlLink", urlLink);
            json.WriteBoolean("isPushNotificationSupported", canPush);
            json.WriteEndObject();
        }, noStore: true);
    }
}
