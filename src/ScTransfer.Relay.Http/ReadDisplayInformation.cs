using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// ReadDisplayInformationFromMailbox, draft §6.4: <c>GET /v1/m/{mailboxIdentifier}</c> (and HEAD). The share page:
/// OpenGraph for link previews and the landing page for a person (with the app's actions when the relay names its app,
/// docs/apps.md). No claim, never binds, never changes state, never shows the payload. A browser asking for a share that
/// is gone gets a 404 page; API clients get problem+json.
/// </summary>
[RateLimit(RateLimitClass.Read)]
public sealed class ReadDisplayInformation(MailboxService mailboxes, ShareLinks links, AppLinks app)
{
    [Function(nameof(ReadDisplayInformation))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "v1/m/{mailboxIdentifier}")] HttpRequest request,
        string mailboxIdentifier,
        CancellationToken cancellationToken)
    {
        if (!RequestIdentifiers.TryGetMailboxId(mailboxIdentifier, out var id, out var problem))
        {
            return problem;
        }

        var outcome = await mailboxes.PreviewAsync(id, cancellationToken);
        if (outcome.Error is { } missing)
        {
            return missing.Status == 404 && PreviewPage.WantsHtml(request) ? RelayResults.Html(PreviewPage.Gone) : RelayResults.Problem(missing);
        }

        // Later revisions' ?v= (the credential vertical) only tailors the wording; an unknown value is ignored.
        var vertical = ShareVertical.From(request.Query["v"]);
        return RelayResults.Html(PreviewPage.Render(
            DisplayInformation.FromJson(outcome.Value!.DisplayInformationJson!), links.For(id), vertical, app.ActionsFor(id, vertical),
            PreviewPage.IsDesktop(request)));
    }
}
