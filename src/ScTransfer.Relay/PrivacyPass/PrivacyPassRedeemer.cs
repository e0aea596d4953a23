using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.PrivacyPass;

/// <summary>What a request presented as a Privacy Pass token, read from its headers by the HTTP layer.</summary>
public readonly struct PresentedToken
{
    private PresentedToken(bool? found, byte[] token)
    {
        Found = found;
        Token = token;
    }

    /// <summary>No token was sent.</summary>
    public static PresentedToken None => new(null, []);

    /// <summary>A token was sent but cannot be read (not base64, wrong length, several of them).</summary>
    public static PresentedToken Unreadable => new(false, []);

    /// <summary>null: none sent; false: unreadable; true: <see cref="Token"/> holds the decoded Token structure.</summary>
    public bool? Found { get; }

    public byte[] Token { get; }

    /// <summary>
    /// A Token structure of the one type this relay verifies (RFC 9577 §2.2: 354 bytes, token_type 0x0002), judged from
    /// its bytes alone: no crypto, no storage. Whether it is valid only <see cref="PrivacyPassRedeemer"/> can tell.
    /// </summary>
    public bool IsWellFormed => Found == true && BinaryPrimitives.ReadUInt16BigEndian(Token) == PrivateTokenVerifier.TokenType;

    /// <summary>A base64 or base64url Token structure (RFC 9577 §2.2); unreadable when it does not decode to one.</summary>
    public static PresentedToken FromBase64(string? text) =>
        PrivateTokenEncoding.TryDecodeBase64(text, out var token) && token.Length == PrivateTokenVerifier.TokenLength
            ? new PresentedToken(true, token)
            : Unreadable;
}

/// <summary>
/// Verifies and spends a presented Privacy Pass token (RFC 9577, RFC 9578 type 0x0002) for CreateMailbox (draft §6.1) or
/// the read that binds a receiver (draft §6.5): the policy says whether one is needed, the nonce's keyed hash is
/// recorded before anything else so that a token answers one request only. How the token travels (headers) and how a
/// refusal is answered (401 with a challenge) is the HTTP layer's (ScTransfer.Relay.Http.PrivacyPassGate).
/// </summary>
public sealed partial class PrivacyPassRedeemer(PrivacyPassPolicy policy, SpentNonceStore spent, TimeProvider time, ILogger<PrivacyPassRedeemer> logger)
{
    /// <summary>The <c>WWW-Authenticate: PrivateToken ...</c> value for the current challenge window.</summary>
    public string ChallengeHeader() => policy.ChallengeHeader(time.GetUtcNow());

    /// <summary>CreateMailbox (draft §6.1): null to go ahead, else why the request is refused (401).</summary>
    public Task<ProtocolError?> AuthorizeCreateAsync(PresentedToken presented, CancellationToken cancellationToken)
    {
        var mode = policy.Options.CreateMailbox;
        return mode == PrivacyPassMode.Off
            ? Task.FromResult<ProtocolError?>(null)
            : RedeemAsync(presented, mode, "CreateMailbox", cancellationToken);
    }

    /// <summary>
    /// The read (draft §6.5): null when the policy is off, else a check that <see cref="MailboxService.ReadAsync"/>
    /// runs only if this read would bind a new receiver. Reads by the sender or the bound receiver never need a token.
    /// </summary>
    public FirstReadCheck? ForFirstRead(Func<PresentedToken> presented)
    {
        var mode = policy.Options.ReadSecureContent;
        return mode == PrivacyPassMode.Off ? null : new FirstReadCheck(this, presented, mode);
    }

    /// <summary>The purge's share: the spent nonces of challenge windows that closed go (their tables, whole).</summary>
    public Task<int> ForgetClosedWindowsAsync(CancellationToken cancellationToken) => spent.PurgeAsync(time.GetUtcNow(), cancellationToken);

    private async Task<ProtocolError?> RedeemAsync(PresentedToken presented, PrivacyPassMode mode, string endpoint, CancellationToken cancellationToken)
    {
        if (presented.Found is null)
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

        var token = presented.Token;
        long window = 0;
        var refusal = presented.Found == false ? TokenRefusal.Malformed : policy.Verify(token, time.GetUtcNow(), out window);
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

    // Debug, as every line per refusal: whoever sends requests would choose the log's volume. Refusals are counted and
    // summarised by the HTTP layer (relay.requests.refused, reason privacy_pass; event 1502).
    [LoggerMessage(EventId = EventIds.PrivacyPassChallenged, Level = LogLevel.Debug, Message = "Privacy Pass: {Endpoint} without a token; challenge sent.")]
    private static partial void LogChallenged(ILogger logger, string endpoint);

    [LoggerMessage(EventId = EventIds.PrivacyPassRefused, Level = LogLevel.Debug, Message = "Privacy Pass: token refused on {Endpoint}: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string endpoint, TokenRefusal reason);

    [LoggerMessage(EventId = EventIds.PrivacyPassAccepted, Level = LogLevel.Debug, Message = "Privacy Pass: token accepted on {Endpoint}.")]
    private static partial void LogAccepted(ILogger logger, string endpoint);

    /// <summary>The read's token check, run at most once however often the bind is retried after a lost race.</summary>
    public sealed class FirstReadCheck
    {
        private readonly PrivacyPassRedeemer _redeemer;
        private readonly Func<PresentedToken> _presented;
        private readonly PrivacyPassMode _mode;
        private Task<ProtocolError?>? _redeemed;

        internal FirstReadCheck(PrivacyPassRedeemer redeemer, Func<PresentedToken> presented, PrivacyPassMode mode)
        {
            _redeemer = redeemer;
            _presented = presented;
            _mode = mode;
        }

        /// <summary>Why the bind was refused, once <see cref="MayBindAsync"/> said no.</summary>
        public ProtocolError? Refusal { get; private set; }

        /// <summary>Called by the read only when it would bind: verifies and spends the token (or finds none is needed).</summary>
        public async Task<bool> MayBindAsync(CancellationToken cancellationToken)
        {
            Refusal = await (_redeemed ??= _redeemer.RedeemAsync(_presented(), _mode, "first read", cancellationToken));
            return Refusal is null;
        }
    }
}
