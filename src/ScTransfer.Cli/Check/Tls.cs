using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ScTransfer.Cli.Check;

/// <summary>
/// Whether the relay's certificate is one a device accepts: it chains to a trusted root (the system's, or the
/// <c>--ca-certificate</c> roots for a private deployment), names the host and is within its validity. The HttpClient
/// of the check and the handshake of the TLS case use the same rule.
/// </summary>
internal sealed class CertificatePolicy(IReadOnlyList<X509Certificate2> trustedRoots)
{
    /// <summary>Null when the certificate is accepted, else what is wrong with it.</summary>
    public string? Problem(X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the relay presented no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return "the certificate does not name this host";
        }

        if (!errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return null;
        }

        if (trustedRoots.Count > 0)
        {
            using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(trustedRoots.ToArray());
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
            }

            if (custom.Build(certificate))
            {
                return null;
            }

            chain = custom;
        }

        var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
        return "the certificate does not verify" + (statuses.Count > 0 ? $" ({string.Join(", ", statuses)})" : "");
    }
}

/// <summary>What a TLS handshake with the relay showed.</summary>
internal sealed record TlsFacts(SslProtocols Protocol, DateTimeOffset NotAfter, string Issuer, string? Problem);

internal static class TlsInspection
{
    /// <summary>One handshake with the relay's host, as a device makes it; no HTTP request is sent.</summary>
    public static async Task<TlsFacts> HandshakeAsync(Uri relay, CertificatePolicy policy, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(relay.IdnHost, relay.Port, deadline.Token);
        string? problem = null;
        X509Certificate2? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = relay.IdnHost,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    problem = policy.Problem(certificate, chain, errors);
                    seen ??= certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return problem is null;
                },
            }, deadline.Token);
        }
        catch (AuthenticationException) when (problem is not null)
        {
            // Refused as a device would refuse it; the case reports why, from the certificate the callback saw.
        }

        using (seen)
        {
            return new TlsFacts(problem is null ? tls.SslProtocol : SslProtocols.None, seen?.NotAfter ?? DateTimeOffset.MinValue, seen?.Issuer ?? "", problem);
        }
    }
}
