using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The HTTP side of Privacy Pass on CreateMailbox and the binding read: the token from <c>Authorization: PrivateToken</c>
/// (RFC 9577 §2.2.2) or draft §6's <c>deviceAttestation</c>, and the 401 with its challenge. Verifying and spending is
/// <see cref="PrivacyPassRedeemer"/>'s (docs/security.md, "Privacy Pass").
/// </summary>
public sealed class PrivacyPassGate(PrivacyPassRedeemer redeemer, RelayRefusals refusals)
{
    private const string Scheme = "PrivateToken";

    /// <summary>
    /// Whether the request presents a well-formed token, checked from its bytes alone (no crypto, no storage), for the
    /// rate limiter's bucket: an unreadable one or opaque attestation data buys nothing.
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
