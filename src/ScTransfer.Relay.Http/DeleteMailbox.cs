using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// DeleteMailbox, draft §6.3: <c>DELETE /v1/m/{mailboxIdentifier}</c>. The payload, display information, claim hashes,
/// push tokens and request records go at once; what stays is a tombstone (the identifier and the expiry), which keeps
/// the identifier from being used again until the purge removes it (docs/design.md, "Storage layout").
/// </summary>
[RateLimit(RateLimitClass.Write)]
public sealed class DeleteMailbox(MailboxService mailboxes)
{
    [Function(nameof(DeleteMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RequestIdentifiers.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        var outcome = await mailboxes.DeleteAsync(id, claim, cancellationToken);
        return outcome.Error is { } refused ? RelayResults.Problem(refused) : RelayResults.Status(200);
    }
}
