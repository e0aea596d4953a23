using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>ReadSecureContentFromMailbox, draft §6.5: <c>POST /v1/m/{mailboxIdentifier}</c>. The first reader other than the sender binds.</summary>
[RateLimit(RateLimitClass.Read)]
public sealed class ReadSecureContent(MailboxService mailboxes, PrivacyPassGate privacyPass)
{
    [Function(nameof(ReadSecureContent))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RequestIdentifiers.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        // A Privacy Pass token is asked for only when this read would bind a new receiver.
        var firstRead = privacyPass.ForFirstRead(request);
        var outcome = await mailboxes.ReadAsync(id, claim, cancellationToken, firstRead is null ? null : firstRead.MayBindAsync);
        if (outcome.Error is { } refused)
        {
            return firstRead?.Refusal is { } tokenRefused ? privacyPass.Challenge(tokenRefused) : RelayResults.Problem(refused);
        }

        var mailbox = outcome.Value!; // read whole (MailboxView.Full): display information and payload are there
        var display = mailbox.DisplayInformationJson!;
        var payload = mailbox.Payload!;
        return RelayResults.Json(200, json =>
        {
            json.WriteStartObject();
            json.WritePropertyName("displayInformation");
            json.WriteRawValue(display, skipInputValidation: true);
            json.WriteStartObject("payload");
            json.WriteString("type", payload.Type);
            json.WriteBase64String("data", payload.Data);
            json.WriteEndObject();
            json.WriteString("expiration", mailbox.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }, noStore: true, sizeHint: 256 + (2 * display.Length) + (((payload.Data.Length + 2) / 3) * 4));
    }
}
