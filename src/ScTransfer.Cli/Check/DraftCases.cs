using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ScTransfer.Client;

namespace ScTransfer.Cli.Check;

/// <summary>
/// The cases that hold a relay to the draft and to the later revisions' spellings (docs/compatibility.md), each with its
/// own short-lived mailboxes or the shared one (<see cref="CheckContext.PrimaryAsync"/>). No case ever causes a push: a
/// token is left only with an update whose other party left none.
/// </summary>
internal static class DraftCases
{
    private const string Create = "CreateMailbox (§6.1)";
    private const string Preview = "ReadDisplayInformation (§6.4)";
    private const string Read = "ReadSecureContent (§6.5)";
    private const string Update = "UpdateMailbox (§6.2)";
    private const string Delete = "DeleteMailbox (§6.3)";
    private const string Every = "Every endpoint (§5, §6)";
    private const string Later = "Later revisions (docs/compatibility.md)";
    private const string Expiry = "Expiry (§3, §8.3)";

    private const CaseNeeds Mailboxes = CaseNeeds.Mailboxes;
    private const CaseNeeds Writes = CaseNeeds.Mailboxes | CaseNeeds.StateChanges;

    public static IEnumerable<CheckCase> All()
    {
        yield return new(1, Create, "A create answers 200 with a urlLink naming the mailbox", "§6.1.5", Mailboxes, CreateAnswers200);
        yield return new(2, Create, "A retried create (same claim and Mailbox-Correlation-ID) answers 201 with the same urlLink and ignores the retry's body", "§5, §6.1.5", Writes, RetriedCreate);
        yield return new(3, Create, "A retried create without mailboxIdentifier (same claim and Mailbox-Request-ID) answers 201 with the same urlLink and makes no second mailbox", "§5, §6.1.5; docs/compatibility.md", Writes, RetriedCreateWithoutIdentifier);
        yield return new(4, Create, "A create of an identifier that exists is refused with 401, for another claim and for the same claim under a new Correlation-ID", "§6.1.5", Writes, ExistingIdentifier);
        yield return new(5, Create, "A malformed create (not JSON, no payload, no device claim, another media type) is refused with 400 (415 for the media type) and makes nothing", "§6.1.2, §6.1.3, §6.1.5", Mailboxes, MalformedCreates);
        yield return new(6, Create, "A payload that is not §7's {type, data} (an unknown type, data that is not base64, data shorter than IV and tag) is refused with 400", "§7, §6.1.5", Mailboxes, PayloadFormat);
        yield return new(7, Create, "A 1 MiB payload is refused with 413, not stored and not a dropped connection", "TIGRESS: mailboxes have a size limit; RFC 9110 §15.5.14", Writes, SizeLimit);
        yield return new(8, Preview, "The share page is HTML with the OpenGraph title and description the sender gave", "§6.4, §6.4.3", Mailboxes, SharePage);
        yield return new(9, Preview, "A link preview's GET never binds, even one that carries a device claim: the receiver's first read still binds", "§6.4; TIGRESS: link-preview fetchers", Mailboxes, PreviewNeverBinds);
        yield return new(10, Read, "The sender reads its own mailbox: 200 with the payload as stored and its display information", "§6.5.3, §7", Mailboxes, SenderReads);
        yield return new(11, Read, "The first other claim to read binds as receiver; a second receiver is refused with 401; the sender still reads", "§2 (Device Claim), §3, §8 (redeemed once)", Mailboxes, OneReceiver);
        yield return new(12, Read, "Answers that carry a share link or secure content say Cache-Control: no-store", "§8.3; RFC 9111 §5.2.2.5 (shared caches)", Mailboxes, NoStore);
        yield return new(13, Update, "The sender updates a mailbox created with W; the bound receiver reads the new payload", "§6.2, §6.2.5, §3.2", Writes, SenderUpdates);
        yield return new(14, Update, "The bound receiver updates; its retry (same Mailbox-Correlation-ID) answers 201 and is not applied", "§5, §6.2.5, §3.2", Writes, ReceiverUpdatesOnce);
        yield return new(15, Update, "Updates are refused with 401 without W (the default rights, RD) and to a device that is not bound", "§6.1.4 (accessRights), §6.2.5", Writes, UpdateAccess);
        yield return new(16, Update, "An update without notificationToken or without payload is refused with 400", "§6.2.4, §6.2.5", Writes, UpdateBody);
        yield return new(17, Delete, "A stranger's delete and a receiver's without D are refused with 401; the sender deletes; then every endpoint answers 404, a repeated delete too", "§6.3.3, §3.2, §8", Writes, DeleteRules);
        yield return new(18, Delete, "A stateless transfer with the reference client (src/ScTransfer.Client): create, preview, read that binds, decrypt, delete by the receiver", "§3.1", Writes, ReferenceClientTransfer);
        yield return new(19, Every, "A mailbox that does not exist answers 404 to GET, POST, PUT, PATCH and DELETE", "§6.2.5, §6.3.3, §6.4.3, §6.5.3", CaseNeeds.None, UnknownMailbox);
        yield return new(20, Every, "Mailbox-Correlation-ID is echoed on success and error answers, and Mailbox-Request-ID under its own name", "§5; docs/compatibility.md", Mailboxes, CorrelationEcho);
        yield return new(21, Later, "A create without mailboxIdentifier gets a relay-chosen version 4 UUID in its urlLink", "docs/compatibility.md; §8 (version 4 UUID)", Mailboxes, RelayChosenIdentifier);
        yield return new(22, Later, "Create and update answers carry isPushNotificationSupported, false without a token", "docs/compatibility.md (push or poll)", Writes, PushOrPoll);
        yield return new(23, Later, "Later spellings work: Mailbox-Device-Claim, Device-Claim, AEAD_AES_256_GCM returned as sent, expiration accepted and returned", "docs/compatibility.md", Mailboxes, LaterSpellings);
        yield return new(24, Later, "RelinquishMailbox: the bound receiver relinquishes (200, its retry 201), the sender and strangers get 401, then another receiver binds", "docs/compatibility.md (RelinquishMailbox)", Writes, Relinquish);
        yield return ExpiryCase();
    }

    private static async Task<string?> CreateAnswers200(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        Expect.That(primary.Created.MediaType == "application/json", "application/json with the urlLink (§4, §6.1.5)", primary.Created.Describe());
        return null;
    }

    private static async Task<string?> RetriedCreate(CheckContext check, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var claim = check.NewClaim();
        var correlation = CheckContext.NewCorrelationId();
        var (_, _, payload) = check.NewPayload();
        var first = await check.SendCreateAsync(id, claim, CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec()), "a create", cancellationToken, correlation);
        Expect.Status(first, 200, "the first create");

        var (_, _, other) = check.NewPayload();
        var retry = await check.SendCreateAsync(id, claim, CheckContext.CreateBody(id, CheckContext.NewTitle(), other, new MailboxSpec()), "its retry", cancellationToken, correlation);
        Expect.Status(retry, 201, "a retry of a create that succeeded (same claim and Mailbox-Correlation-ID, §5)");
        Expect.That(CheckContext.UrlLink(retry) == CheckContext.UrlLink(first), "the first create's urlLink in the 201 (§6.1.5: urlLink is required)",
            CheckContext.UrlLink(retry) is null ? "201 without a urlLink" : "a different urlLink");

        var stored = Expect.Content(await check.ReadAsync(id, claim, "the sender's read after the retry", cancellationToken), "the sender's read after the retry");
        Expect.That(stored.Payload.Data.AsSpan().SequenceEqual(payload.Data), "the first create's payload (the duplicate's body is ignored, §5)",
            "the retry's payload: the duplicate was applied");
        return null;
    }

    private static async Task<string?> RetriedCreateWithoutIdentifier(CheckContext check, CancellationToken cancellationToken)
    {
        var claim = check.NewClaim();
        var requestId = CheckContext.NewCorrelationId();
        var (_, _, payload) = check.NewPayload();
        var body = CheckContext.CreateBody(null, CheckContext.NewTitle(), payload, new MailboxSpec());

        var first = await SendCreateWithoutIdentifierAsync(check, claim, body, requestId, "a create without mailboxIdentifier", cancellationToken);
        Expect.Status(first, 200, "a create without mailboxIdentifier (docs/compatibility.md)");
        Expect.That(CheckContext.UrlLink(first) is not null, "a urlLink naming the mailbox the relay chose", first.Describe());

        var retry = await SendCreateWithoutIdentifierAsync(check, claim, body, requestId, "its retry", cancellationToken);
        var same = CheckContext.UrlLink(retry) == CheckContext.UrlLink(first);
        if (retry.Status != 201 || !same)
        {
            throw new CaseFailedException("201 with the first urlLink to the retry (same claim and Mailbox-Request-ID, §5, §6.1.5)",
                retry.Status is 200 or 201 && CheckContext.UrlLink(retry) is { } link && CheckContext.MailboxOf(link) != CheckContext.MailboxOf(CheckContext.UrlLink(first)!)
                    ? $"{retry.Status} with a urlLink naming a second mailbox: the retry made another one"
                    : retry.Describe() + (same ? "" : ", not the first urlLink"));
        }

        return null;
    }

    /// <summary>A create that leaves the identifier to the relay; the mailbox it names goes into the ledger.</summary>
    private static async Task<Exchange> SendCreateWithoutIdentifierAsync(CheckContext check, Guid claim, JsonNode body, string requestId, string purpose, CancellationToken cancellationToken)
    {
        var answer = await check.SendAsync(new CheckRequest(HttpMethod.Post, "v1/m")
        {
            Claim = claim,
            CorrelationHeader = CheckContext.RequestIdHeader,
            CorrelationId = requestId,
            Json = body.DeepClone(),
        }, purpose, cancellationToken);
        if (CheckContext.UrlLink(answer) is { } link && CheckContext.MailboxOf(link) is { } made)
        {
            check.Redactor.Secret(made, "{id}");
            check.Ledger.Asking(made, claim);
            check.Ledger.Answered(made, answer.Status);
        }

        return answer;
    }

    private static async Task<string?> ExistingIdentifier(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec(), cancellationToken);
        var (_, _, payload) = check.NewPayload();
        var body = CheckContext.CreateBody(mailbox.Id, CheckContext.NewTitle(), payload, new MailboxSpec());

        var stranger = await check.SendCreateAsync(mailbox.Id, check.NewClaim(), body.DeepClone(), "a create by another device", cancellationToken);
        Expect.Status(stranger, 401, "another device's create of an identifier that exists (§6.1.5)");
        var again = await check.SendCreateAsync(mailbox.Id, mailbox.SenderClaim, body, "a create by the same device", cancellationToken);
        Expect.Status(again, 401, "the same device's create of its identifier under a new Mailbox-Correlation-ID (§6.1.5: it already exists)");
        return null;
    }

    private static async Task<string?> MalformedCreates(CheckContext check, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        async Task Try(string what, Guid id, Guid? claim, HttpContent content, params int[] statuses)
        {
            check.Redactor.Secret(id, "{id}");
            check.Ledger.Asking(id, claim ?? Guid.Empty);
            var answer = await check.SendAsync(new CheckRequest(HttpMethod.Post, "v1/m") { Claim = claim, CorrelationId = CheckContext.NewCorrelationId(), Content = content }, what, cancellationToken);
            check.Ledger.Answered(id, answer.Status);
            if (!statuses.Contains(answer.Status))
            {
                problems.Add($"{what}: {answer.Describe()}");
            }
        }

        var (_, _, payload) = check.NewPayload();
        var id = Guid.NewGuid();
        await Try("a body that is not JSON", id, check.NewClaim(), Json($"{{\"mailboxIdentifier\":\"{id:D}\",\"payload\":"), 400);

        id = Guid.NewGuid();
        var withoutPayload = CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec());
        withoutPayload.Remove("payload");
        await Try("a body without payload", id, check.NewClaim(), Json(withoutPayload.ToJsonString()), 400);

        id = Guid.NewGuid();
        await Try("no device claim", id, null, Json(CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec()).ToJsonString()), 400, 401);

        id = Guid.NewGuid();
        await Try("a text/plain body", id, check.NewClaim(),
            new StringContent(CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec()).ToJsonString(), Encoding.UTF8, "text/plain"), 400, 415);

        Expect.None(problems, "400 to each malformed create (415 for text/plain, 401 allowed without a claim)");
        return null;
    }

    private static async Task<string?> PayloadFormat(CheckContext check, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        async Task Try(string what, string type, string data)
        {
            var id = Guid.NewGuid();
            var (_, _, payload) = check.NewPayload();
            var body = CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec());
            body["payload"] = new JsonObject { ["type"] = type, ["data"] = data };
            var answer = await check.SendCreateAsync(id, check.NewClaim(), body, what, cancellationToken);
            if (answer.Status != 400)
            {
                problems.Add($"{what}: {answer.Describe()}");
            }
        }

        await Try("type ROT13", "ROT13", Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        await Try("data that is not base64", "AES128", "not base64!");
        await Try("16 bytes of data (IV and tag alone are 28)", "AES128", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        Expect.None(problems, "400 to each create whose payload breaks §7");
        return null;
    }

    private static async Task<string?> SizeLimit(CheckContext check, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var (_, _, payload) = check.NewPayload();
        var body = CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec());
        body["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(1024 * 1024)) };
        var answer = await check.SendCreateAsync(id, check.NewClaim(), body, "a create with a 1 MiB payload", cancellationToken);
        Expect.Status(answer, 413, "a create with a 1 MiB payload (a credential is a few KiB; a relay is not general storage)");
        return null;
    }

    private static async Task<string?> SharePage(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        var page = Expect.Status(await check.PreviewAsync(primary.Id, "the share page", cancellationToken, browser: true), 200, "GET of the share link (§6.4.3)");
        Expect.That(page.MediaType == "text/html", "text/html (§6.4: OpenGraph)", page.Describe());
        var title = Expect.OpenGraph(page.Body, "title");
        Expect.That(title == primary.Title, "og:title with the sender's title (§6.4, ogp.me)", title is null ? "no og:title" : "another og:title");
        Expect.That(Expect.OpenGraph(page.Body, "description") is not null, "og:description (§6.4, Figure 7)", "no og:description");
        return null;
    }

    private static async Task<string?> PreviewNeverBinds(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec(), cancellationToken);
        var preview = await check.SendAsync(new CheckRequest(HttpMethod.Get, CheckContext.MailboxPath(mailbox.Id))
        {
            Browser = true,
            Claim = check.NewClaim(),
            CorrelationId = CheckContext.NewCorrelationId(),
        }, "a link preview's GET with a device claim", cancellationToken);
        Expect.Status(preview, 200, "a link preview's GET");
        var receiver = await check.ReadAsync(mailbox.Id, check.NewClaim(), "the receiver's first read after the preview", cancellationToken);
        Expect.Status(receiver, 200, "the receiver's first read after a preview (a preview must not bind, §6.4)");
        return null;
    }

    private static async Task<string?> SenderReads(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        var content = Expect.Content(await check.ReadAsync(primary.Id, primary.SenderClaim, "the sender's read", cancellationToken), "the sender's read");
        Expect.That(content.Payload.Type == primary.Payload.Type, $"payload type {primary.Payload.Type} as sent", $"type {content.Payload.Type}");
        Expect.Holds(content, primary.Secret, primary.Plaintext, "the sender's read");
        Expect.That(content.DisplayInformation.ValueKind == JsonValueKind.Object
            && content.DisplayInformation.TryGetProperty("title", out var title) && title.GetString() == primary.Title,
            "displayInformation with the sender's title (§6.5.3)", "no or another displayInformation");
        return null;
    }

    private static async Task<string?> OneReceiver(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec(), cancellationToken);
        Expect.Status(await check.ReadAsync(mailbox.Id, mailbox.SenderClaim, "the sender's read", cancellationToken), 200, "the sender's read");
        var receiver = check.NewClaim();
        var first = Expect.Content(await check.ReadAsync(mailbox.Id, receiver, "the receiver's first read", cancellationToken),
            "the first read by a claim other than the sender's (it binds the receiver; the sender's read must not have)");
        Expect.Holds(first, mailbox.Secret, mailbox.Plaintext, "the receiver's read");
        Expect.Status(await check.ReadAsync(mailbox.Id, receiver, "the receiver's second read", cancellationToken), 200, "the bound receiver's second read");
        Expect.Status(await check.ReadAsync(mailbox.Id, check.NewClaim(), "a second receiver's read", cancellationToken), 401,
            "a second receiver's read (the mailbox is bound to the first)");
        Expect.Status(await check.ReadAsync(mailbox.Id, mailbox.SenderClaim, "the sender's read", cancellationToken), 200, "the sender's read once a receiver is bound");
        return null;
    }

    private static async Task<string?> NoStore(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        var read = Expect.Status(await check.ReadAsync(primary.Id, primary.SenderClaim, "the sender's read", cancellationToken), 200, "the sender's read");
        var problems = new List<string>();
        foreach (var (what, answer) in new[] { ("the create's answer (it holds the share link)", primary.Created), ("the read's answer (it holds the payload)", read) })
        {
            if (!CacheControl.Parse(answer.Header("Cache-Control")).Contains("no-store", StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{what}: Cache-Control {answer.Header("Cache-Control") ?? "absent"}");
            }
        }

        Expect.None(problems, "Cache-Control: no-store on both");
        return null;
    }

    private static async Task<string?> SenderUpdates(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec { AccessRights = "RWD" }, cancellationToken);
        var receiver = check.NewClaim();
        Expect.Status(await check.ReadAsync(mailbox.Id, receiver, "the receiver's read", cancellationToken), 200, "the receiver's first read");
        var (update, plaintext) = Reply(mailbox.Secret, check);
        Expect.Status(await check.UpdateAsync(mailbox.Id, mailbox.SenderClaim, update, "the sender's update", cancellationToken), 200,
            "the sender's update of a mailbox with W (§6.2.5)");
        var read = Expect.Content(await check.ReadAsync(mailbox.Id, receiver, "the receiver's read after it", cancellationToken), "the receiver's read after the update");
        Expect.Holds(read, mailbox.Secret, plaintext, "the receiver's read after the sender's update");
        return null;
    }

    private static async Task<string?> ReceiverUpdatesOnce(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec { AccessRights = "RWD" }, cancellationToken);
        var receiver = check.NewClaim();
        Expect.Status(await check.ReadAsync(mailbox.Id, receiver, "the receiver's read", cancellationToken), 200, "the receiver's first read");
        var correlation = CheckContext.NewCorrelationId();
        var (first, plaintext) = Reply(mailbox.Secret, check);
        Expect.Status(await check.UpdateAsync(mailbox.Id, receiver, first, "the receiver's update", cancellationToken, correlation), 200,
            "the bound receiver's update of a mailbox with W (§6.2.5)");
        var (second, _) = Reply(mailbox.Secret, check);
        Expect.Status(await check.UpdateAsync(mailbox.Id, receiver, second, "its retry", cancellationToken, correlation), 201,
            "a retry of the update (same claim and Mailbox-Correlation-ID, §5, §6.2.5)");
        var read = Expect.Content(await check.ReadAsync(mailbox.Id, mailbox.SenderClaim, "the sender's read", cancellationToken), "the sender's read after both");
        Expect.Holds(read, mailbox.Secret, plaintext, "the sender's read (the retry's body is ignored, §5)");
        return null;
    }

    private static async Task<string?> UpdateAccess(CheckContext check, CancellationToken cancellationToken)
    {
        var readDelete = await check.CreateAsync(new MailboxSpec(), cancellationToken);
        Expect.Status(await check.UpdateAsync(readDelete.Id, readDelete.SenderClaim, Reply(readDelete.Secret, check).Body, "the sender's update", cancellationToken), 401,
            "the sender's update of a mailbox made with the default rights RD (no W, §6.1.4)");
        var readWrite = await check.CreateAsync(new MailboxSpec { AccessRights = "RWD" }, cancellationToken);
        Expect.Status(await check.UpdateAsync(readWrite.Id, check.NewClaim(), Reply(readWrite.Secret, check).Body, "a stranger's update", cancellationToken), 401,
            "an update by a device that is neither the sender nor the bound receiver (§6.2.5)");
        return null;
    }

    private static async Task<string?> UpdateBody(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec { AccessRights = "RWD" }, cancellationToken);
        var (body, _) = Reply(mailbox.Secret, check);
        var withoutToken = body.DeepClone().AsObject();
        withoutToken.Remove("notificationToken");
        var withoutPayload = body.DeepClone().AsObject();
        withoutPayload.Remove("payload");
        var problems = new List<string>();
        foreach (var (what, update) in new[] { ("without notificationToken", withoutToken), ("without payload", withoutPayload) })
        {
            var answer = await check.UpdateAsync(mailbox.Id, mailbox.SenderClaim, update, "an update " + what, cancellationToken);
            if (answer.Status != 400)
            {
                problems.Add($"{what}: {answer.Describe()}");
            }
        }

        Expect.None(problems, "400 to an update without notificationToken (mandatory, §6.2.4) and to one without payload");
        return null;
    }

    private static async Task<string?> DeleteRules(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec { AccessRights = "RW" }, cancellationToken);
        var receiver = check.NewClaim();
        Expect.Status(await check.ReadAsync(mailbox.Id, receiver, "the receiver's read", cancellationToken), 200, "the receiver's first read");
        Expect.Status(await check.DeleteAsync(mailbox.Id, check.NewClaim(), "a stranger's delete", cancellationToken), 401, "a stranger's delete (§6.3.3)");
        Expect.Status(await check.DeleteAsync(mailbox.Id, receiver, "the receiver's delete", cancellationToken), 401,
            "the bound receiver's delete of a mailbox made without D (accessRights RW, §6.1.4)");
        Expect.Status(await check.DeleteAsync(mailbox.Id, mailbox.SenderClaim, "the sender's delete", cancellationToken), 200,
            "the sender's delete (it may cancel at any time, §3.2, §8)");

        var problems = new List<string>();
        foreach (var answer in new[]
        {
            await check.PreviewAsync(mailbox.Id, "a GET after the delete", cancellationToken),
            await check.ReadAsync(mailbox.Id, receiver, "the receiver's read after the delete", cancellationToken),
            await check.DeleteAsync(mailbox.Id, mailbox.SenderClaim, "a repeated delete", cancellationToken),
        })
        {
            if (answer.Status != 404)
            {
                problems.Add($"{answer.Target}: {answer.Describe()}");
            }
        }

        Expect.None(problems, "404 to the GET, the read and the repeated delete after the delete (§6.3.3)");
        return null;
    }

    private static async Task<string?> ReferenceClientTransfer(CheckContext check, CancellationToken cancellationToken)
    {
        var relay = new MailboxClient(check.Http, Options.Create(new MailboxClientOptions
        {
            RelayBaseAddress = check.Settings.Relay,
            MaxAttempts = 1, // the polite handler already waits out 429 and 503
            AllowInsecureHttp = true, // the check itself refuses a plain-http relay off this machine without --allow-http
        }));
        var id = Guid.NewGuid();
        var sender = check.NewClaim();
        var receiver = check.NewClaim();
        var (secret, plaintext, payload) = check.NewPayload(KeySize.Aes256);
        var title = CheckContext.NewTitle();
        check.Redactor.Secret(id, "{id}");
        try
        {
            check.Ledger.Asking(id, sender);
            var created = await relay.CreateAsync(id, sender, new DisplayInformation(title), payload,
                new MailboxConfiguration(TimeSpan.FromSeconds(CheckContext.MailboxLifetimeSeconds)), cancellationToken: cancellationToken);
            check.Ledger.Answered(id, 200);
            var link = ShareLink.Parse(ShareLink.Create(created.UrlLink, id, secret).Reveal());
            var preview = await relay.PreviewAsync(link.MailboxId, cancellationToken);
            Expect.That(preview.Title == title, "the reference client's preview to show the title", "another title");
            var content = await relay.ReadAsync(link.MailboxId, receiver, cancellationToken);
            Expect.That(PayloadCipher.Decrypt(content.Payload, link.Secret).AsSpan().SequenceEqual(plaintext),
                "the receiver to decrypt what the sender stored", "other content");
            await relay.DeleteAsync(link.MailboxId, receiver, cancellationToken);
            check.Ledger.Gone(id);
        }
        catch (ScTransferException e)
        {
            throw new CaseFailedException("the reference client's stateless transfer to complete", e.Message.ReplaceLineEndings(" "));
        }

        try
        {
            await relay.PreviewAsync(id, cancellationToken);
            throw new CaseFailedException("404 to the preview once the receiver deleted the mailbox", "200");
        }
        catch (MailboxNotFoundException)
        {
            return null;
        }
        catch (RelayException e)
        {
            throw new CaseFailedException("404 to the preview once the receiver deleted the mailbox", e.Message.ReplaceLineEndings(" "));
        }
    }

    private static async Task<string?> UnknownMailbox(CheckContext check, CancellationToken cancellationToken)
    {
        var unknown = check.Unknown();
        var path = CheckContext.MailboxPath(unknown);
        var (body, _) = Reply(ShareSecret.Generate(), check);
        var problems = new List<string>();
        foreach (var request in new CheckRequest[]
        {
            new(HttpMethod.Get, path),
            new(HttpMethod.Post, path) { Claim = check.NewClaim() },
            new(HttpMethod.Put, path) { Claim = check.NewClaim(), Json = body },
            new(new HttpMethod("PATCH"), path) { Claim = check.NewClaim() },
            new(HttpMethod.Delete, path) { Claim = check.NewClaim() },
        })
        {
            var answer = await check.SendAsync(request with { CorrelationId = CheckContext.NewCorrelationId() }, $"{request.Method} of a mailbox that does not exist", cancellationToken);
            if (answer.Status != 404)
            {
                problems.Add($"{request.Method}: {answer.Describe()}");
            }
        }

        Expect.None(problems, "404 to every method on a mailbox that does not exist");
        return null;
    }

    private static async Task<string?> CorrelationEcho(CheckContext check, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var primary = await check.PrimaryAsync(cancellationToken);
        if (!Expect.Echoes(primary.Created, CheckContext.CorrelationHeader, primary.CorrelationId))
        {
            problems.Add($"the create's {primary.Created.Status}: {Header(primary.Created, CheckContext.CorrelationHeader)}");
        }

        var unknown = check.Unknown();
        var correlation = CheckContext.NewCorrelationId();
        var read = await check.SendAsync(new CheckRequest(HttpMethod.Post, CheckContext.MailboxPath(unknown)) { Claim = check.NewClaim(), CorrelationId = correlation },
            "a read of a mailbox that does not exist", cancellationToken);
        if (!Expect.Echoes(read, CheckContext.CorrelationHeader, correlation))
        {
            problems.Add($"the read's {read.Status}: {Header(read, CheckContext.CorrelationHeader)}");
        }

        var requestId = CheckContext.NewCorrelationId();
        var get = await check.SendAsync(new CheckRequest(HttpMethod.Get, CheckContext.MailboxPath(unknown)) { CorrelationHeader = CheckContext.RequestIdHeader, CorrelationId = requestId },
            "a GET with Mailbox-Request-ID", cancellationToken);
        if (!Expect.Echoes(get, CheckContext.RequestIdHeader, requestId))
        {
            problems.Add($"the GET's {get.Status}: {Header(get, CheckContext.RequestIdHeader)}");
        }

        if (get.Header(CheckContext.CorrelationHeader) is not null)
        {
            problems.Add($"the GET's {get.Status} also carries {CheckContext.CorrelationHeader} (echo under the name the caller used)");
        }

        Expect.None(problems, "each answer to echo the header's value under the name sent");
        return null;
    }

    private static async Task<string?> RelayChosenIdentifier(CheckContext check, CancellationToken cancellationToken)
    {
        var (_, _, payload) = check.NewPayload();
        var answer = await SendCreateWithoutIdentifierAsync(check, check.NewClaim(), CheckContext.CreateBody(null, CheckContext.NewTitle(), payload, new MailboxSpec()),
            CheckContext.NewCorrelationId(), "a create without mailboxIdentifier", cancellationToken);
        Expect.Status(answer, 200, "a create without mailboxIdentifier");
        var made = CheckContext.UrlLink(answer) is { } link ? CheckContext.MailboxOf(link) : null;
        Expect.That(made is not null, "a urlLink ending in the mailbox the relay chose", answer.Describe());
        var text = made!.Value.ToString("D");
        Expect.That(text[14] == '4' && text[19] is '8' or '9' or 'a' or 'b', "a version 4 UUID (version nibble 4, variant 10xx; §8)",
            $"version nibble {text[14]}, variant nibble {text[19]}");
        return null;
    }

    private static async Task<string?> PushOrPoll(CheckContext check, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var primary = await check.PrimaryAsync(cancellationToken);
        if (PushFlag(primary.Created) is not false)
        {
            problems.Add($"the create without a token: isPushNotificationSupported {Describe(PushFlag(primary.Created))}");
        }

        // The sender leaves a token twice and nobody else does: there is never anyone to push to.
        var mailbox = await check.CreateAsync(new MailboxSpec { AccessRights = "RWD", Token = check.NewToken() }, cancellationToken);
        if (PushFlag(mailbox.Created) is null)
        {
            problems.Add("the create with a token: no boolean isPushNotificationSupported");
        }

        var update = Expect.Status(await check.UpdateAsync(mailbox.Id, mailbox.SenderClaim, Reply(mailbox.Secret, check).Body, "the sender's update", cancellationToken), 200,
            "the sender's update");
        if (PushFlag(update) is null)
        {
            problems.Add("the update: no boolean isPushNotificationSupported");
        }

        Expect.None(problems, "a boolean isPushNotificationSupported in each answer, false for a create without a token");
        return PushFlag(mailbox.Created) is true ? "this relay can push (isPushNotificationSupported: true)" : "this relay does not push to that token type: devices poll";
    }

    private static async Task<string?> LaterSpellings(CheckContext check, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var sender = check.NewClaim();
        var (secret, plaintext, payload) = check.NewPayload(KeySize.Aes256);
        var expiration = check.Time.GetUtcNow().AddSeconds(CheckContext.MailboxLifetimeSeconds).UtcDateTime;
        var body = CheckContext.CreateBody(id, CheckContext.NewTitle(), payload, new MailboxSpec());
        body["payload"]!["type"] = "AEAD_AES_256_GCM";
        body["mailboxConfiguration"] = new JsonObject
        {
            ["accessRights"] = "RD",
            ["expiration"] = expiration.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        var created = await check.SendCreateAsync(id, sender, body, "a create in the later spellings", cancellationToken,
            claimHeader: "Mailbox-Device-Claim", correlationHeader: CheckContext.RequestIdHeader);
        Expect.Status(created, 200, "a create with Mailbox-Device-Claim, Mailbox-Request-ID, AEAD_AES_256_GCM and expiration");

        var read = Expect.Content(await check.ReadAsync(id, check.NewClaim(), "the receiver's read with Device-Claim", cancellationToken, claimHeader: "Device-Claim"),
            "the receiver's read with Device-Claim");
        Expect.That(read.Payload.Type == "AEAD_AES_256_GCM", "payload type AEAD_AES_256_GCM returned as sent", $"type {read.Payload.Type}");
        Expect.Holds(read with { Payload = read.Payload with { Type = "AES256" } }, secret, plaintext, "the receiver's read");
        Expect.That(read.Expiration is { } returned && DateTimeOffset.TryParse(returned, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && Math.Abs((at - expiration).TotalSeconds) <= 1, "expiration returned as sent (RFC 3339, within 1 s)", read.Expiration is null ? "no expiration" : "another expiration");

        Expect.Status(await check.ReadAsync(id, sender, "the sender's read with Mailbox-Device-Claim", cancellationToken, claimHeader: "Mailbox-Device-Claim"), 200,
            "the sender's read under Mailbox-Device-Claim (the same claim in another spelling)");
        return null;
    }

    private static async Task<string?> Relinquish(CheckContext check, CancellationToken cancellationToken)
    {
        var mailbox = await check.CreateAsync(new MailboxSpec(), cancellationToken);
        var first = check.NewClaim();
        Expect.Status(await check.ReadAsync(mailbox.Id, first, "the receiver's read", cancellationToken), 200, "the receiver's first read");
        Expect.Status(await check.RelinquishAsync(mailbox.Id, mailbox.SenderClaim, "the sender's relinquish", cancellationToken), 401,
            "the sender's relinquish (only the bound receiver may)");
        Expect.Status(await check.RelinquishAsync(mailbox.Id, check.NewClaim(), "a stranger's relinquish", cancellationToken), 401, "a stranger's relinquish");
        var correlation = CheckContext.NewCorrelationId();
        Expect.Status(await check.RelinquishAsync(mailbox.Id, first, "the receiver's relinquish", cancellationToken, correlation), 200, "the bound receiver's relinquish");
        Expect.Status(await check.RelinquishAsync(mailbox.Id, first, "its retry", cancellationToken, correlation), 201,
            "a retry of the relinquish (same claim and Mailbox-Correlation-ID, §5)");
        Expect.Status(await check.ReadAsync(mailbox.Id, check.NewClaim(), "another receiver's read", cancellationToken), 200,
            "another receiver's first read once the first relinquished (it binds)");
        return null;
    }

    /// <summary>
    /// Expiry takes the mailbox's whole lifetime, so the case makes its mailbox before any other case runs and looks at
    /// it after the others, waiting only for what is left of the lifetime and a grace of 2 s.
    /// </summary>
    private static CheckCase ExpiryCase()
    {
        CheckMailbox? mailbox = null;
        long madeAt = 0;
        var grace = TimeSpan.FromSeconds(2);
        return new CheckCase(25, Expiry, "A short-lived mailbox answers 404 to GET and POST once its timeToLive has passed", "§3, §6.1.4, §8.3", CaseNeeds.Mailboxes | CaseNeeds.Slow,
            async (check, cancellationToken) =>
            {
                var lifetime = check.Settings.ExpiryTimeToLive;
                var left = lifetime + grace - check.Time.GetElapsedTime(madeAt);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, check.Time, cancellationToken);
                }

                var problems = new List<string>();
                foreach (var answer in new[]
                {
                    await check.PreviewAsync(mailbox!.Id, "a GET after the lifetime", cancellationToken),
                    await check.ReadAsync(mailbox.Id, mailbox.SenderClaim, "the sender's read after the lifetime", cancellationToken),
                })
                {
                    if (answer.Status != 404)
                    {
                        problems.Add($"{answer.Target}: {answer.Describe()}");
                    }
                }

                Expect.None(problems, $"404 to both {Expect.Seconds(lifetime + grace)} after a create with timeToLive {lifetime.TotalSeconds:0}");
                return null;
            })
        {
            Start = async (check, cancellationToken) =>
            {
                var lifetime = (int)check.Settings.ExpiryTimeToLive.TotalSeconds;
                mailbox = await check.CreateAsync(new MailboxSpec { TimeToLiveSeconds = lifetime }, cancellationToken);
                madeAt = check.Time.GetTimestamp();
                Expect.Status(await check.ReadAsync(mailbox.Id, mailbox.SenderClaim, "the sender's read at once", cancellationToken), 200,
                    $"the sender's read right after a create with timeToLive {lifetime} (raise --expiry-ttl if the relay needs a longer lifetime)");
            },
        };
    }

    /// <summary>An UpdateMailbox body (§6.2.4): a new payload under the mailbox's key and a token that nobody pushes to.</summary>
    private static (JsonObject Body, byte[] Plaintext) Reply(ShareSecret secret, CheckContext check)
    {
        var plaintext = Encoding.UTF8.GetBytes("{\"sctCheckReply\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\"}");
        var payload = PayloadCipher.Encrypt(plaintext, secret);
        check.Redactor.Secret(Convert.ToBase64String(payload.Data), "<payload>");
        return (new JsonObject { ["payload"] = CheckContext.PayloadJson(payload), ["notificationToken"] = CheckContext.TokenJson(check.NewToken()) }, plaintext);
    }

    private static bool? PushFlag(Exchange answer) =>
        answer.Json() is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("isPushNotificationSupported", out var flag)
            && flag.ValueKind is JsonValueKind.True or JsonValueKind.False ? flag.GetBoolean() : null;

    private static string Describe(bool? flag) => flag is null ? "absent" : flag.Value ? "true" : "false";

    private static string Header(Exchange answer, string name) => answer.Header(name) is null ? $"no {name}" : $"another {name}";

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}

/// <summary>The directive names of a Cache-Control header.</summary>
internal static class CacheControl
{
    public static IEnumerable<string> Parse(string? header) =>
        (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => d.Split('=')[0]);
}
