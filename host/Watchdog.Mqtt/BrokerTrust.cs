using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace Watchdog.Mqtt;

/// <summary>
/// TLS trust in the cluster's own CA: a broker is trusted when its certificate chains to one of the
/// CA file's certificates and names the host. The system store is not consulted when a CA file is
/// given: the cluster's CA is the only authority. Shared by the link and watchdogctl.
/// </summary>
public static class BrokerTrust
{
    /// <summary>The certificates of a PEM CA file; throws InvalidDataException when it holds none.</summary>
    public static X509Certificate2Collection LoadCaFile(string caFile)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPemFile(caFile);
        if (cas.Count == 0)
        {
            throw new InvalidDataException($"CA file '{caFile}' holds no PEM certificate");
        }

        return cas;
    }

    /// <summary>TLS for <paramref name="host"/>: checked against <paramref name="cas"/> when given, else by the system store.</summary>
    public static MqttClientOptionsBuilder WithBrokerTls(this MqttClientOptionsBuilder builder, string host, X509Certificate2Collection? cas) =>
        builder.WithTlsOptions(tls =>
        {
            tls.UseTls(true).WithTargetHost(host);
            if (cas is not null)
            {
                tls.WithCertificateValidationHandler(args => IsTrusted(args.Certificate, args.SslPolicyErrors, cas));
            }
        });

    /// <summary>True when <paramref name="certificate"/> names the host and chains to one of <paramref name="cas"/>.</summary>
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection cas)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
