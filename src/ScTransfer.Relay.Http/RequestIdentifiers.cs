using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>The two identifiers a request names, the device claim in its header and the mailbox in its path, or the 400 that says what to fix.</summary>
internal static class RequestIdentifiers
{
    public static bool TryGetDeviceClaim(HttpRequest request, out DeviceClaim claim, [NotNullWhen(false)] out IResult? problem)
    {
        claim = default;
        problem = null;
        foreach (var name in RelayHeaders.DeviceClaim)
        {
            if (!request.Headers.TryGetValue(name, out var values) || values.Count == 0)
            {
                continue;
            }

            if (values.Count == 1 && DeviceClaim.TryParse(values[0], out claim))
            {
                return true;
            }

            // The Functions host joins repeated headers into one value ("a, b"); a UUID has no comma, so a comma means
            // several claims there as on the self-hosted runner.
            problem = RelayResults.Problem(ProtocolError.BadRequest(values.Count > 1 || values.ToString().Contains(',', StringComparison.Ordinal)
                ? $"Send one '{name}' header: several claims in one request are ambiguous."
                : $"The '{name}' header must be a UUID (8-4-4-4-12 hexadecimal digits)."));
            return false;
        }

        problem = RelayResults.Problem(ProtocolError.BadRequest(
            "The 'deviceClaim' header is required: a UUID this device generated for this share."));
        return false;
    }

    public static bool TryGetMailboxId(string? routeValue, out MailboxId id, [NotNullWhen(false)] out IResult? problem)
    {
        problem = null;
        if (MailboxId.TryParse(routeValue, out id))
        {
            return true;
        }

        problem = RelayResults.Problem(ProtocolError.BadRequest($"The mailbox identifier in the path must be {MailboxId.Requirement}."));
        return false;
    }
}
