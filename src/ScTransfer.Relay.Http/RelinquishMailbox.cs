using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// RelinquishMailbox (later revisions): <c>PATCH /v1/m/{mailboxIdentifier}</c>. The bound receiver gives up its binding
/// so that a different receiver can bind; a retry under the same Mailbox-Correlation-ID gets 201.
/// </summary>
public sealed class RelinquishMailbox(MailboxService mailboxes)
{
    [Function(nameof(RelinquishMailbox))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RelayRequest.TryGetMailboxId(mailboxIdentifier, out var id, out var problem)
            || !RelayRequest.TryGetDeviceClaim(request, out var claim, out problem))
        {
            return problem;
        }

        var outcome = await mailboxes.RelinquishAsync(id, claim, RelayRequest.CorrelationId(request), cancellationToken);
        return outcome.Error is { } refused ? RelayResults.Problem(refused) : RelayResults.Status(outcome.Status);
    }
}
