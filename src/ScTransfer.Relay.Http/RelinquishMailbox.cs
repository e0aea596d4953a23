using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// RelinquishMailbox (later revisions): <c>PATCH /v1/m/{mailboxIdentifier}</c>. The bound receiver gives up its binding
/// so that a different receiver can bind; a retry under the same Mailbox-Correlation-ID gets 201.
/// </summary>
[RateLimit(RateLimitClass.Write)]
public sealed class RelinquishMailbox(MailboxService mailboxes)
{
    [Function(nameof(RelinquishMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RequestIdentifiers.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        var outcome = await mailboxes.RelinquishAsync(id, claim, RelayRequestFeature.Of(request).CorrelationId, cancellationToken);
        return outcome.Error is { } refused ? RelayResults.Problem(refused) : RelayResults.Status(outcome.Status);
    }
}
