using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// Draft §8.2 for logs: an end-to-end workload over every endpoint, success and error paths, with attestations and
/// push tokens and pushes really sent, logged at Debug. No device claim (in any encoding), token, attestation or
/// payload appears in any line the relay wrote.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class LogHygieneTests
{
    [Fact]
    public async Task No_claim_token_attestation_or_payload_reaches_the_log_at_Debug()
    {
        await using var hub = NotificationHubStandIn.Start();
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["NotificationHubs__ConnectionString"] = hub.ConnectionString,
            ["NotificationHubs__HubName"] = hub.HubName,
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug", // the self-host's default for it is Warning
            ["Push__MinIntervalSeconds"] = "0", // the exchange below pushes to the sender twice in quick succession
        });
        using var http = relay.CreateClient();

        var claims = new List<string>();
        var secrets = new List<string>();
        string Claim() { var c = RelayClient.NewId(); claims.Add(c); return c; }
        string Secret(string value) { secrets.Add(value); return value; }
        string Data() => Secret(RelayClient.RandomPayloadData(96));
        string Attestation() => Secret(Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));

        var (id, sender, receiver, stranger) = (RelayClient.NewId(), Claim(), Claim(), Claim());
        var senderToken = Secret("apns" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        var receiverToken = Secret("fcm:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)));
        var refusedToken = Secret("apns" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        hub.AnswerFor(refusedToken, 400);
        var createCorrelation = RelayClient.NewId();
        var createBody = RelayClient.CreateBody(id, Data(), RelayClient.Token("com.apple.apns", senderToken));

        async Task Expect(HttpStatusCode status, HttpMethod method, string path, string? claim = null, System.Text.Json.Nodes.JsonNode? body = null, string? correlation = null, string? attestation = null)
        {
            using var response = await http.SendAsync(method, path, claim, body, correlation, attestation);
            Assert.Equal(status, response.StatusCode);
        }

        await Expect(HttpStatusCode.OK, HttpMethod.Post, "v1/m", sender, createBody, createCorrelation, Attestation());
        await Expect(HttpStatusCode.Created, HttpMethod.Post, "v1/m", sender, createBody, createCorrelation, Attestation());
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, "v1/m", stranger, RelayClient.CreateBody(id, Data()), null, Attestation());
        await Expect(HttpStatusCode.OK, HttpMethod.Get, "v1/m/" + id);
        await Expect(HttpStatusCode.OK, HttpMethod.Post, "v1/m/" + id, receiver, attestation: Attestation());
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, "v1/m/" + id, stranger, attestation: Attestation());

        // Each party updates: each update pushes to the other party's token.
        var receiverUpdate = RelayClient.NewId();
        await Expect(HttpStatusCode.OK, HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(Data(), RelayClient.Token("com.google.fcm", receiverToken)), receiverUpdate, Attestation());
        await hub.WaitForAsync(senderToken);
        await Expect(HttpStatusCode.Created, HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(Data(), RelayClient.Token("com.google.fcm", receiverToken)), receiverUpdate);
        await Expect(HttpStatusCode.OK, HttpMethod.Put, "v1/m/" + id, sender, RelayClient.UpdateBody(Data(), RelayClient.Token("com.apple.apns", refusedToken)), RelayClient.NewId());
        await hub.WaitForAsync(receiverToken);
        await Expect(HttpStatusCode.OK, HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(Data(), RelayClient.Token("com.google.fcm", receiverToken)), RelayClient.NewId());
        await hub.WaitForAsync(refusedToken); // the hub refuses this one: the relay logs the refusal
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Put, "v1/m/" + id, stranger, RelayClient.UpdateBody(Data(), RelayClient.Token("com.google.fcm", Secret("fcm-stranger-" + Guid.NewGuid().ToString("N")))));

        // Malformed requests carrying secrets: garbled claims, a broken body with a payload in it, wrong content type.
        var garbled = RelayClient.NewId();
        claims.Add(garbled);
        await Expect(HttpStatusCode.BadRequest, HttpMethod.Post, "v1/m/" + id, "{" + garbled + "}");
        await Expect(HttpStatusCode.BadRequest, HttpMethod.Post, "v1/m/" + id, Guid.Parse(garbled).ToString("N"));
        using (var broken = RelayClient.RawRequest(HttpMethod.Put, "v1/m/" + id, sender, new StringContent("{\"payload\":{\"type\":\"AES128\",\"data\":\"" + Data() + "\"", Encoding.UTF8, "application/json")))
        {
            using var response = await http.SendAsync(broken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var plainBody = RelayClient.UpdateBody(Data(), RelayClient.Token("com.google.fcm", receiverToken)).ToJsonString();
        using (var plain = RelayClient.RawRequest(HttpMethod.Put, "v1/m/" + id, receiver, new StringContent(plainBody, Encoding.UTF8, new MediaTypeHeaderValue("text/plain"))))
        {
            using var response = await http.SendAsync(plain);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        await Expect(HttpStatusCode.OK, HttpMethod.Get, "v1/openapi.yaml");
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Patch, "v1/m/" + id, sender, attestation: Attestation());
        var relinquish = RelayClient.NewId();
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, "v1/m/" + id, receiver, correlation: relinquish, attestation: Attestation());
        await Expect(HttpStatusCode.Created, HttpMethod.Patch, "v1/m/" + id, receiver, correlation: relinquish);
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Delete, "v1/m/" + id, stranger);
        await Expect(HttpStatusCode.OK, HttpMethod.Delete, "v1/m/" + id, sender, attestation: Attestation());
        await Expect(HttpStatusCode.NotFound, HttpMethod.Delete, "v1/m/" + id, sender);
        await Expect(HttpStatusCode.NotFound, HttpMethod.Post, "v1/m/" + id, receiver);
        await Expect(HttpStatusCode.NotFound, HttpMethod.Patch, "v1/m/" + id, receiver);
        // The pushes log their outcome in the background, the refused one after its update's answer.
        await Timeouts.WaitUntilAsync(() => new[] { "Push (com.apple.apns) accepted by Notification Hubs: 201", "Push (com.google.fcm) accepted by Notification Hubs: 201", "refused by Notification Hubs: 400" }
            .All(outcome => relay.LogLines.Any(line => line.Contains(outcome, StringComparison.Ordinal))));

        var log = relay.LogLines.ToList();
        var text = string.Join('\n', log);

        // The log is real and covers the workload, so the scan below can find what is in it.
        Assert.True(log.Count > 50, $"only {log.Count} log lines");
        Assert.Contains(EventIds.MailboxTableReadyMessage, text, StringComparison.Ordinal);
        Assert.Contains("Push (com.apple.apns) accepted by Notification Hubs: 201", text, StringComparison.Ordinal);
        Assert.Contains("Push (com.google.fcm) accepted by Notification Hubs: 201", text, StringComparison.Ordinal);
        Assert.Contains("refused by Notification Hubs: 400", text, StringComparison.Ordinal);
        Assert.Contains("Request finished HTTP/1.1 PUT", text, StringComparison.Ordinal);
        Assert.Contains("dbug:", text, StringComparison.Ordinal);
        Assert.Contains(id, text, StringComparison.Ordinal); // mailbox ids are in request paths: not secret, but proof the scan sees paths

        var leaks = new List<string>();
        foreach (var claim in claims)
        {
            var guid = Guid.Parse(claim);
            var bytes = guid.ToByteArray();
            foreach (var form in new[]
            {
                claim, guid.ToString("N"), Convert.ToBase64String(bytes), Convert.ToHexString(bytes),
                Convert.ToBase64String(guid.ToByteArray(bigEndian: true)), Convert.ToHexString(Encoding.UTF8.GetBytes(claim)),
                Convert.ToBase64String(Encoding.UTF8.GetBytes(claim)),
            })
            {
                if (text.Contains(form, StringComparison.OrdinalIgnoreCase))
                {
                    leaks.Add($"claim as '{form}'");
                }
            }
        }

        foreach (var secret in secrets)
        {
            // Whole, or any 24-character piece of it (a truncated or wrapped value).
            for (var start = 0; start + 24 <= secret.Length; start += 12)
            {
                if (text.Contains(secret.AsSpan(start, 24), StringComparison.Ordinal))
                {
                    leaks.Add($"secret piece '{secret.Substring(start, 24)}'");
                    break;
                }
            }
        }

        Assert.True(leaks.Count == 0, "secrets in the log:\n" + string.Join('\n', leaks) + "\n--- log ---\n" + text);
    }
}
