using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Asks for, reads and redeems Privacy Pass tokens on CreateMailbox and on the read that binds a receiver. The token
/// comes in <c>Authorization: PrivateToken token="..."</c> (RFC 9577 §2.2.2) or in draft §6's <c>deviceAttestation</c>
/// header (any spelling in <see cref="RelayHeaders.DeviceAttestation"/>), bare or in the same PrivateToken form. A bare
/// attestation value that does not decode to a Token structure is other attestation data and counts as no token.
/// A refusal is 401 with a <c>WWW-Authenticate: PrivateToken</c> challenge next to the problem+json body, counted
/// (<see cref="RelayRefusals"/>). Verifying and spending the token is <see cref="PrivacyPassRedeemer"/>'s; this class is
/// only its HTTP side.
/// </summary>
public sealed class PrivacyPassGate(PrivacyPassRedeemer redeemer, RelayRefusals refusals)
{
    private const string Scheme = "PrivateToken";

    /// <summary>
    /// Whether the request presents a well-formed Privacy Pass token (<see cref="PresentedToken.IsWellFormed"/>), found
    /// without verifying it (no crypto, no storage): for code that treats token holders differently before the function
    /// runs, e.g. the rate limiter's more generous per-address bucket. A token that cannot be read (not base64, the wrong
    /// length or type, several of them) and opaque attestation data do not count, so they cannot buy the generous
    /// bucket; the gate still refuses them, and any token that is not valid, with 401 before any storage operation.
    /// </summary>
    public static bool PresentsToken(HttpRequest request) => ReadToken(request).IsWellFormed;

    /// <summary>CreateMailbox (draft §6.1): null to go ahead, else the 401 answer with its challenge.</summary>
    public async Task<IResult?> AuthorizeCreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var refusal = await redeemer.AuthorizeCreateAsync(ReadToken(request), cancellationToken);
        return refusal is null ? null : Challenge(refusal);
    }

    /// <summary>
    /// The read (draft §6.5): null when the policy is off, else the check the read runs only when it would bind a new
    /// receiver (<see cref="PrivacyPassRedeemer.ForFirstRead"/>).
    /// </summary>
    public PrivacyPassRedeemer.FirstReadCheck? ForFirstRead(HttpRequest request) => redeemer.ForFirstRead(() => ReadToken(request));

    /// <summary>401 with <c>WWW-Authenticate: PrivateToken challenge=..., token-key=..., max-age=...</c> and problem+json.</summary>
    public IResult Challenge(ProtocolError error)
    {
        refusals.Refused(RefusalReason.PrivacyPass);
        return new ChallengeResult(RelayResults.Problem(error), redeemer.ChallengeHeader());
    }

    /// <summary>The token the request presents, if any, decoded but not verified.</summary>
    private static PresentedToken ReadToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.Where(v => v is not null && v.TrimStart().StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)).ToList();
        if (authorization.Count > 1)
        {
            return PresentedToken.Unreadable;
        }

        if (authorization.Count == 1)
        {
            return PresentedToken.FromBase64(TokenParameter(authorization[0]!));
        }

        foreach (var name in RelayHeaders.DeviceAttestation)
        {
            if (!request.Headers.TryGetValue(name, out var values) || values.Count == 0)
            {
                continue;
            }

            if (values.Count > 1)
            {
                return PresentedToken.Unreadable;
            }

            var value = values[0]!.Trim();
            if (value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
            {
                return PresentedToken.FromBase64(TokenParameter(value));
            }

            // Draft-00 clients may put other, opaque attestation data here: only a value shaped like a Token is one.
            return PresentedToken.FromBase64(value) is { Found: true } token ? token : PresentedToken.None;
        }

        return PresentedToken.None;
    }

    /// <summary>The <c>token</c> auth-param (token or quoted-string, RFC 9110 §11.2); other parameters are ignored (RFC 9577 §2.2.2).</summary>
    private static string? TokenParameter(string credentials)
    {
        foreach (var part in credentials.Trim()[Scheme.Length..].Split(','))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim().Equals("token", StringComparison.OrdinalIgnoreCase))
            {
                var value = part[(equals + 1)..].Trim();
                return HeaderUtilities.RemoveQuotes(value).ToString();
            }
        }

        return null;
    }

    private sealed class ChallengeResult(IResult problem, string challenge) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = challenge;
            return problem.ExecuteAsync(httpContext);
        }
    }
}
