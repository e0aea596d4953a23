using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay;
using ScTransfer.Relay.Http;

namespace ScTransfer.Functions;

/// <summary>ReadSecureContentFromMailbox, draft §6.5: <c>POST /v1/m/{mailboxIdentifier}</c>. The first reader other than the sender binds.</summary>
public sealed class ReadSecureContent(MailboxService mailboxes)
{
    [Function(nameof(ReadSecureContent))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RelayRequest.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RelayRequest.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        var outcome = await mailboxes.ReadAsync(id, claim, cancellationToken);
        if (outcome.Error is { } refused)
        {
            return RelayResults.Problem(refused);
        }

        var mailbox = outcome.Value!;
        return RelayResults.Json(200, json =>
        {
            json.WriteStartObject();
            json.WritePropertyName("displayInformation");
            json.WriteRawValue(mailbox.DisplayInformationJson, skipInputValidation: true);
            json.WriteStartObject("payload");
            json.WriteString("type", mailbox.Payload.Type);
            json.WriteBase64String("data", mailbox.Payload.Data);
            json.WriteEndObject();
            json.WriteString("expiration", mailbox.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }, noStore: true);
    }
}
