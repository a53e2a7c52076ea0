using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Watchdog.Operator.Broker;

/// <summary>
/// The cluster's TLS material: a CA that boards, agents and operators trust, and the broker's
/// certificate signed by it for the names clients connect to (the board and the agent check the
/// name). Made with .NET's own X.509 classes, so no openssl is needed; RSA keys (the ESP32's TLS
/// stack takes RSA), PEM files, keys in PKCS#8 (which mosquitto's OpenSSL reads).
/// </summary>
public static class BrokerTls
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(825);

    /// <summary>A new self-signed CA for the cluster: (certificate PEM, private key PEM).</summary>
    public static (string CertPem, string KeyPem) CreateCa(string cluster, DateTimeOffset now)
    {
        using RSA key = RSA.Create(3072);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName($"Watchdog {cluster} broker CA");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using X509Certificate2 ca = request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
        return (ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The broker's certificate for <paramref name="hosts"/> (DNS names or IP addresses), signed by the CA.</summary>
    public static (string CertPem, string KeyPem) CreateServer(string caCertPem, string caKeyPem, IReadOnlyList<string> hosts, DateTimeOffset now)
    {
        if (hosts.Count == 0)
        {
            throw new BrokerConfigException("--generate-tls needs at least one --tls-host: the name or address clients connect to (they check it against the certificate)");
        }

        using X509Certificate2 ca = X509Certificate2.CreateFromPem(caCertPem, caKeyPem);
        using RSA key = RSA.Create(2048);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(hosts[0]);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string host in hosts)
        {
            if (IPAddress.TryParse(host, out IPAddress? address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                try
                {
                    san.AddDnsName(host);
                }
                catch (ArgumentException e)
                {
                    throw new BrokerConfigException($"--tls-host '{host}' is neither an IP address nor a DNS name: {e.Message}");
                }
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "server authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        DateTimeOffset notAfter = now + ServerLifetime < ca.NotAfter ? now + ServerLifetime : ca.NotAfter;
        using X509Certificate2 server = request.Create(ca, now.AddMinutes(-5), notAfter, serial);
        return (server.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Checks files an operator brings: the CA is a certificate, the broker's certificate and key
    /// belong together, and the certificate chains to the CA. Throws naming what is wrong.
    /// </summary>
    public static void CheckGiven(string caFile, string certFile, string keyFile)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new BrokerConfigException($"--tls-ca '{caFile}': {e.Message}");
        }

        if (cas.Count == 0)
        {
            throw new BrokerConfigException($"--tls-ca '{caFile}' holds no PEM certificate");
        }

        X509Certificate2 server;
        try
        {
            server = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new BrokerConfigException($"--tls-cert '{certFile}' with --tls-key '{keyFile}': {e.Message}");
        }

        using (server)
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(cas);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(server))
            {
                string why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
                throw new BrokerConfigException($"--tls-cert '{certFile}' does not chain to --tls-ca '{caFile}': {why}");
            }
        }
    }
}
