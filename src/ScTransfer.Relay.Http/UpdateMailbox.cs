using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>UpdateMailbox, draft §6.2: <c>PUT /v1/m/{mailboxIdentifier}</c>. Overwrites the payload and notifies the other party.</summary>
public sealed class UpdateMailbox(MailboxService mailboxes, MailboxRequestParser parser, RelayRequest reader)
{
    [Function(nameof(UpdateMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RelayRequest.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RelayRequest.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        var (update, invalid) = await reader.ReadJsonAsync<UpdateMailboxRequest>(request, parser.TryParseUpdate, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        var outcome = await mailboxes.UpdateAsync(id, claim, update!, RelayRequest.CorrelationId(request), cancellationToken);
        if (outcome.Error is { } refused)
        {
            return RelayResults.Problem(refused);
        }

        var canPush = mailboxes.CanPushTo(update!.NotificationToken);
        return RelayResults.Json(outcome.Status, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("isPushNotificationSupported", canPush);
            json.WriteEndObject();
        });
    }
}
