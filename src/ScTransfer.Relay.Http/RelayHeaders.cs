namespace ScTransfer.Relay.Http;

/// <summary>
/// Header names of every client generation (draft-00 and later revisions, docs/compatibility.md).
/// ASP.NET Core matches header names case-insensitively. The first spelling present wins.
/// </summary>
internal static class RelayHeaders
{
    public static readonly string[] DeviceClaim = ["deviceClaim", "Mailbox-Device-Claim", "Device-Claim"];

    public static readonly string[] DeviceAttestation = ["deviceAttestation", "Mailbox-Device-Attestation"];

    public static readonly string[] CorrelationId = ["Mailbox-Correlation-ID", "Mailbox-Request-ID"];

    public const string RetryAfter = "Retry-After";
}
