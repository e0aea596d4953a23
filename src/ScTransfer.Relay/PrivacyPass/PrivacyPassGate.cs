using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.PrivacyPass;

/// <summary>
/// Asks for, reads and redeems Privacy Pass tokens on CreateMailbox and on the read that binds a receiver. The token
/// comes in <c>Authorization: PrivateToken token="..."</c> (RFC 9577 §2.2.2) or in draft §6's <c>deviceAttestation</c>
/// header (any spelling in <see cref="RelayHeaders.DeviceAttestation"/>), bare or in the same PrivateToken form. A bare
/// attestation value that does not decode to a Token structure is other attestation data and counts as no token.
/// A refusal is 401 with a <c>WWW-Authenticate: PrivateToken</c> challenge next to the problem+json body.
/// </summary>
public sealed partial class PrivacyPassGate(PrivacyPassPolicy policy, SpentNonceStore spent, TimeProvider time, ILogger<PrivacyPassGate> logger)
{
    private const string Scheme = "PrivateToken";

    /// <summary>
    /// Whether the request presents a Privacy Pass token that the gate will verify (or refuse as unreadable), found
    /// without verifying it (no crypto, no storage): for code that treats token holders differently before the function
    /// runs, e.g. the rate limiter's more generous per-address bucket. Opaque attestation data that is not shaped like
    /// a token does not count, so it cannot buy the generous bucket; a presented token that is not valid is still
    /// refused with 401 by the gate before any storage operation.
    /// </summary>
    public static bool PresentsToken(HttpRequest request) => TryReadToken(request, out _) is not null;

    /// <summary>CreateMailbox (draft §6.1): null to go ahead, else the 401 answer with its challenge.</summary>
    public async Task<IActionResult?> AuthorizeCreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var mode = policy.Options.CreateMailbox;
        if (mode == PrivacyPassMode.Off)
        {
            return null;
        }

        var refusal = await RedeemAsync(request, mode, "CreateMailbox", cancellationToken);
        return refusal is null ? null : Challenge(refusal);
    }

    /// <summary>
    /// The read (draft §6.5): null when the policy is off, else a check that <see cref="MailboxService.ReadAsync"/>
    /// runs only if this read would bind a new receiver. Reads by the sender or the bound receiver never need a token.
    /// </summary>
    public FirstReadCheck? ForFirstRead(HttpRequest request)
    {
        var mode = policy.Options.ReadSecureContent;
        return mode == PrivacyPassMode.Off ? null : new FirstReadCheck(this, request, mode);
    }

    /// <summary>401 with <c>WWW-Authenticate: PrivateToken challenge=..., token-key=..., max-age=...</c> and problem+json.</summary>
    public IActionResult Challenge(ProtocolError error) => new ChallengeResult(RelayResults.Problem(error), policy.ChallengeHeader(time.GetUtcNow()));

    private async Task<ProtocolError?> RedeemAsync(HttpRequest request, PrivacyPassMode mode, string endpoint, CancellationToken cancellationToken)
    {
        var found = TryReadToken(request, out var token);
        if (found is null)
        {
            if (mode == PrivacyPassMode.Optional)
            {
                return null;
            }

            LogChallenged(logger, endpoint);
            return ProtocolError.Unauthorized(
                "This relay asks for a Privacy Pass token here: answer the WWW-Authenticate PrivateToken challenge with "
                + "'Authorization: PrivateToken token=...' (RFC 9577).");
        }

        long window = 0;
        var refusal = found == false ? TokenRefusal.Malformed : policy.Verify(token, time.GetUtcNow(), out window);
        if (refusal == TokenRefusal.None)
        {
            // The nonce's keyed hash is recorded before anything else happens: a token answers one request only.
            if (!await spent.TrySpendAsync(window, policy.NonceHash(PrivateTokenVerifier.Nonce(token)), policy.AcceptedUntil(window), cancellationToken))
            {
                refusal = TokenRefusal.Spent;
            }
        }

        if (refusal == TokenRefusal.None)
        {
            LogAccepted(logger, endpoint);
            return null;
        }

        LogRefused(logger, endpoint, refusal);
        return ProtocolError.Unauthorized(refusal switch
        {
            TokenRefusal.Spent => "This Privacy Pass token was used already; each token answers one request. Fetch a new one for the challenge.",
            TokenRefusal.WrongChallenge => "This Privacy Pass token answers another challenge (another origin, issuer or an expired window). Fetch one for this challenge.",
            TokenRefusal.UnknownKey => "This Privacy Pass token was signed with a key this relay does not accept.",
            TokenRefusal.WrongTokenType => "This relay accepts Privacy Pass tokens of type 0x0002 (Blind RSA) only.",
            TokenRefusal.BadSignature => "The Privacy Pass token's signature does not verify.",
            _ => "The Privacy Pass token is malformed: send 'Authorization: PrivateToken token=<base64url Token>' (RFC 9577 §2.2.2).",
        });
    }

    /// <summary>null: no token sent; false: a token header that cannot be read; true: the decoded token.</summary>
    private static bool? TryReadToken(HttpRequest request, out byte[] token)
    {
        token = [];
        var authorization = request.Headers.Authorization.Where(v => v is not null && v.TrimStart().StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)).ToList();
        if (authorization.Count > 1)
        {
            return false;
        }

        if (authorization.Count == 1)
        {
            return TryDecodeToken(TokenParameter(authorization[0]!), out token);
        }

        foreach (var name in RelayHeaders.DeviceAttestation)
        {
            if (!request.Headers.TryGetValue(name, out var values) || values.Count == 0)
            {
                continue;
            }

            if (values.Count > 1)
            {
                return false;
            }

            var value = values[0]!.Trim();
            if (value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
            {
                return TryDecodeToken(TokenParameter(value), out token);
            }

            // Draft-00 clients may put other, opaque attestation data here: only a value shaped like a Token is one.
            return TryDecodeToken(value, out token) ? true : null;
        }

        return null;
    }

    private static bool TryDecodeToken(string? text, out byte[] token) =>
        PrivateTokenEncoding.TryDecodeBase64(text, out token) && token.Length == PrivateTokenVerifier.TokenLength;

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

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Privacy Pass: {Endpoint} without a token; challenge sent.")]
    private static partial void LogChallenged(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Privacy Pass: token refused on {Endpoint}: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string endpoint, TokenRefusal reason);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Debug, Message = "Privacy Pass: token accepted on {Endpoint}.")]
    private static partial void LogAccepted(ILogger logger, string endpoint);

    /// <summary>The read's token check, run at most once however often the bind is retried after a lost race.</summary>
    public sealed class FirstReadCheck
    {
        private readonly PrivacyPassGate _gate;
        private readonly HttpRequest _request;
        private readonly PrivacyPassMode _mode;
        private Task<ProtocolError?>? _redeemed;

        internal FirstReadCheck(PrivacyPassGate gate, HttpRequest request, PrivacyPassMode mode)
        {
            _gate = gate;
            _request = request;
            _mode = mode;
        }

        /// <summary>Why the bind was refused, once <see cref="MayBindAsync"/> said no.</summary>
        public ProtocolError? Refusal { get; private set; }

        /// <summary>Called by the read only when it would bind: verifies and spends the token (or finds none is needed).</summary>
        public async Task<bool> MayBindAsync(CancellationToken cancellationToken)
        {
            Refusal = await (_redeemed ??= _gate.RedeemAsync(_request, _mode, "first read", cancellationToken));
            return Refusal is null;
        }
    }

    private sealed class ChallengeResult(IActionResult problem, string challenge) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = challenge;
            return problem.ExecuteResultAsync(context);
        }
    }
}
