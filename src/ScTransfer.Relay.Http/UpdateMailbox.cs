using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>UpdateMailbox, draft §6.2: <c>PUT /v1/m/{mailboxIdentifier}</c>. Overwrites the payload and notifies the other party.</summary>
[RateLimit(RateLimitClass.Write)]
public sealed class UpdateMailbox(MailboxService mailboxes, MailboxRequestParser parser, RequestBodyReader body)
{
    [Function(nameof(UpdateMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RequestIdentifiers.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        if (!body.TryParseJson<UpdateMailboxRequest>(request, parser.TryParseUpdate, out var update, out var invalid))
        {
            return invalid;
        }

        var outcome = await mailboxes.UpdateAsync(id, claim, update, RelayRequestFeature.Of(request).CorrelationId, cancellationToken);
        if (outcome.Error is { } refused)
        {
            return RelayResults.Problem(refused);
        }

        var canPush = mailboxes.CanPushTo(update.NotificationToken);
        return RelayResults.Json(outcome.Status, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("isPushNotificationSupported", canPush);
            json.WriteEndObject();
        });
    }
}
