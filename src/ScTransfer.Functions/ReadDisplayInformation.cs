using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay;
using ScTransfer.Functions.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Functions;

/// <summary>
/// ReadDisplayInformationFromMailbox, draft §6.4: <c>GET /v1/m/{mailboxIdentifier}</c>. An OpenGraph page for link
/// previews: no claim, never binds, never changes state, never shows the payload.
/// </summary>
public sealed class ReadDisplayInformation(MailboxService mailboxes, ShareLinks links)
{
    [Function(nameof(ReadDisplayInformation))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RelayRequest.TryGetMailboxId(mailboxIdentifier, out var id, out var problem))
        {
            return problem;
        }

        var outcome = await mailboxes.PreviewAsync(id, cancellationToken);
        return outcome.Error is { } missing
            ? RelayResults.Problem(missing)
            : RelayResults.Html(
                PreviewPage.Render(DisplayInformation.FromJson(outcome.Value!.DisplayInformationJson!), links.For(id)),
                PreviewPage.ContentSecurityPolicy);
    }
}
