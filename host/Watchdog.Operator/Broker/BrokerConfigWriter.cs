using System.Text;

namespace Watchdog.Operator.Broker;

/// <summary>What to do with files that are already in the output directory.</summary>
public enum ExistingFiles
{
    /// <summary>Write nothing and name them.</summary>
    Refuse,
    /// <summary>Replace everything: new passwords for every user and, with --generate-tls, a new CA.</summary>
    Overwrite,
    /// <summary>Keep every credential file and certificate already there (adding a node or an operator).</summary>
    Keep,
}

/// <summary>Where the TLS files come from.</summary>
public abstract record TlsSource
{
    private TlsSource()
    {
    }

    /// <summary>A new cluster CA and broker certificate for these names, written to &lt;out&gt;/tls.</summary>
    public sealed record Generate(IReadOnlyList<string> Hosts) : TlsSource;

    /// <summary>Files the operator has: mosquitto.conf names them where they are.</summary>
    public sealed record Given(string CaFile, string CertFile, string KeyFile) : TlsSource;
}

/// <summary>Everything `watchdogctl broker config` was asked for.</summary>
public sealed record BrokerConfigRequest
{
    public required BrokerPlan Plan { get; init; }

    /// <summary>The directory the files are written to.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>Where the broker will find the files (mosquitto.conf names them there); null: the output directory itself.</summary>
    public string? InstallDirectory { get; init; }

    public IReadOnlyList<ListenAddress> Plain { get; init; } = [];

    public IReadOnlyList<ListenAddress> Tls { get; init; } = [];

    public TlsSource? TlsFrom { get; init; }

    public ExistingFiles Existing { get; init; } = ExistingFiles.Refuse;

    /// <summary>This broker's bridges to other sites' brokers; each peer must be one of the plan's <see cref="BrokerPlan.BridgePeers"/> (it bridges back).</summary>
    public IReadOnlyList<BridgeTarget> Bridges { get; init; } = [];

    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>What was written, kept or refused; paths relative to the output directory.</summary>
public sealed record BrokerConfigResult(
    IReadOnlyList<string> Written,
    IReadOnlyList<string> Kept,
    IReadOnlyList<string> Refused,
    IReadOnlyList<string> Orphaned,
    IReadOnlyList<(BrokerUser User, string CredentialFile, bool New)> Credentials)
{
    public bool Ok => Refused.Count == 0;
}

/// <summary>
/// Writes a broker configuration for one cluster into a directory:
/// <code>
/// mosquitto.conf                 the broker's configuration (names the files below where the broker finds them)
/// password_file                  mode 0600: user names and password hashes, mosquitto_passwd's format
/// acl_file                       what each user may read and write
/// credentials/&lt;user&gt;.password   mode 0600 in a 0700 directory: one user's password, for that user only
/// tls/ca.pem, tls/ca.key         with --generate-tls: the cluster CA (the key, mode 0600, stays off the broker)
/// tls/server.pem, tls/server.key with --generate-tls: the broker's certificate and key (mode 0600)
/// </code>
/// A credential file holds the password alone on one line: the board's --password-file and the
/// agent's Mqtt:PasswordFile read it as it is.
/// </summary>
public static class BrokerConfigWriter
{
    public const string ConfFile = "mosquitto.conf";
    public const string PasswordFile = "password_file";
    public const string AclFile = "acl_file";
    public const string CredentialsDirectory = "credentials";
    public const string TlsDirectory = "tls";
    public const string CaCertFile = "tls/ca.pem";
    public const string CaKeyFile = "tls/ca.key";
    public const string ServerCertFile = "tls/server.pem";
    public const string ServerKeyFile = "tls/server.key";

    private const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateDirectory = Secret | UnixFileMode.UserExecute;

    public static string CredentialFile(BrokerUser user) => $"{CredentialsDirectory}/{user.User}.password";

    public static BrokerConfigResult Write(BrokerConfigRequest request)
    {
        BrokerPlan plan = request.Plan;
        string outDir = Path.GetFullPath(request.OutDirectory);
        string installDir = request.InstallDirectory is null ? outDir : request.InstallDirectory.TrimEnd('/');
        if (!Path.IsPathRooted(installDir))
        {
            throw new BrokerConfigException($"--install-dir '{request.InstallDirectory}' must be an absolute path (mosquitto resolves relative paths from its working directory)");
        }

        if (request.Plain.Count + request.Tls.Count == 0)
        {
            throw new BrokerConfigException("no listener: give --listen or --tls-listen");
        }

        if (request.Tls.Count > 0 && request.TlsFrom is null)
        {
            throw new BrokerConfigException("--tls-listen needs --generate-tls or --tls-ca, --tls-cert and --tls-key");
        }

        var bridges = new StringBuilder();
        foreach (BridgeTarget bridge in request.Bridges)
        {
            if (!plan.BridgePeers.Contains(bridge.PeerCluster, StringComparer.Ordinal))
            {
                throw new BrokerConfigException($"bridge to '{bridge.PeerCluster}': the plan has no user bridge-{bridge.PeerCluster} for that site's bridge back (its peers: {string.Join(", ", plan.BridgePeers)})");
            }

            if (!File.Exists(bridge.PasswordFile))
            {
                throw new BrokerConfigException($"bridge to '{bridge.PeerCluster}': password file '{bridge.PasswordFile}' does not exist (the peer's credentials/{BrokerBridge.UserOf(plan.Cluster)}.password)");
            }

            bridges.Append(BrokerBridge.Render(plan, bridge, ReadCredential(bridge.PasswordFile, bridge.PasswordFile)));
        }

        string In(string relative) => Path.Combine(outDir, relative);
        string At(string relative) => installDir + "/" + relative;

        var generate = request.TlsFrom as TlsSource.Generate;
        var given = request.TlsFrom as TlsSource.Given;
        if (given is not null)
        {
            BrokerTls.CheckGiven(given.CaFile, given.CertFile, given.KeyFile);
        }

        IReadOnlyList<BrokerUser> users = plan.Users;
        var secrets = users.Select(CredentialFile).ToList();
        string[] tlsFiles = generate is null ? [] : [CaCertFile, CaKeyFile, ServerCertFile, ServerKeyFile];
        string[] derived = [ConfFile, PasswordFile, AclFile];
        var existing = derived.Concat(secrets).Concat(tlsFiles).Where(f => File.Exists(In(f))).ToList();
        if (existing.Count > 0 && request.Existing == ExistingFiles.Refuse)
        {
            return new BrokerConfigResult([], [], existing, [], []);
        }

        bool keep = request.Existing == ExistingFiles.Keep;
        var written = new List<string>();
        var kept = new List<string>();

        TlsPaths? tlsPaths = null;
        if (given is not null)
        {
            tlsPaths = new TlsPaths(Path.GetFullPath(given.CaFile), Path.GetFullPath(given.CertFile), Path.GetFullPath(given.KeyFile));
        }
        else if (generate is not null)
        {
            tlsPaths = new TlsPaths(At(CaCertFile), At(ServerCertFile), At(ServerKeyFile));
        }

        foreach (string path in new[] { At(PasswordFile), At(AclFile), tlsPaths?.CaFile, tlsPaths?.CertFile, tlsPaths?.KeyFile }.OfType<string>())
        {
            if (path.Any(char.IsWhiteSpace))
            {
                throw new BrokerConfigException($"'{path}' has white space in it, which mosquitto.conf cannot hold; choose another --install-dir or file");
            }
        }

        Directory.CreateDirectory(outDir);
        string credentialsDir = In(CredentialsDirectory);
        Directory.CreateDirectory(credentialsDir);
        SetMode(credentialsDir, PrivateDirectory);

        if (generate is not null)
        {
            Directory.CreateDirectory(In(TlsDirectory));
            WriteTls(plan, generate, request.Now, keep, In, written, kept);
        }

        var passwordLines = new StringBuilder();
        var credentials = new List<(BrokerUser, string, bool)>();
        foreach (BrokerUser user in users)
        {
            string file = CredentialFile(user);
            string password;
            if (keep && File.Exists(In(file)))
            {
                password = ReadCredential(In(file), file);
                kept.Add(file);
                credentials.Add((user, file, false));
            }
            else
            {
                password = MosquittoPassword.Generate();
                WriteFile(In(file), password + "\n", Secret);
                written.Add(file);
                credentials.Add((user, file, true));
            }

            passwordLines.Append(MosquittoPassword.Line(user.User, password)).Append('\n');
        }

        WriteFile(In(PasswordFile), passwordLines.ToString(), Secret);
        WriteFile(In(AclFile), BrokerAcl.Render(plan), Public);
        // A bridge's section holds the peer's password in clear: then the file is its owner's alone (mosquitto reads it as root).
        WriteFile(In(ConfFile), MosquittoConf.Render(plan, At(PasswordFile), At(AclFile), request.Plain, request.Tls, tlsPaths) + bridges, bridges.Length > 0 ? Secret : Public);
        written.AddRange(derived);

        // Credential files of users no longer in the configuration: their passwords are no longer in password_file.
        var current = new HashSet<string>(secrets.Select(s => Path.GetFileName(s)), StringComparer.Ordinal);
        var orphaned = Directory.EnumerateFiles(credentialsDir, "*.password")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(f => !current.Contains(f))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{CredentialsDirectory}/{f}")
            .ToList();

        return new BrokerConfigResult(written, kept, [], orphaned, credentials);
    }

    private static void WriteTls(BrokerPlan plan, TlsSource.Generate generate, DateTimeOffset now, bool keep, Func<string, string> inOut, List<string> written, List<string> kept)
    {
        bool HavePair(string cert, string key)
        {
            bool c = File.Exists(inOut(cert));
            bool k = File.Exists(inOut(key));
            if (c != k)
            {
                throw new BrokerConfigException($"{(c ? cert : key)} is there but {(c ? key : cert)} is not: keep both or remove both");
            }

            return c;
        }

        string caCert;
        string caKey;
        if (keep && HavePair(CaCertFile, CaKeyFile))
        {
            caCert = File.ReadAllText(inOut(CaCertFile));
            caKey = File.ReadAllText(inOut(CaKeyFile));
            kept.Add(CaCertFile);
            kept.Add(CaKeyFile);
        }
        else
        {
            (caCert, caKey) = BrokerTls.CreateCa(plan.Cluster, now);
            WriteFile(inOut(CaKeyFile), caKey, Secret);
            WriteFile(inOut(CaCertFile), caCert, Public);
            written.Add(CaCertFile);
            written.Add(CaKeyFile);
        }

        // A new CA needs a new broker certificate, whatever was kept.
        if (keep && !written.Contains(CaCertFile) && HavePair(ServerCertFile, ServerKeyFile))
        {
            kept.Add(ServerCertFile);
            kept.Add(ServerKeyFile);
            return;
        }

        var (serverCert, serverKey) = BrokerTls.CreateServer(caCert, caKey, generate.Hosts, now);
        WriteFile(inOut(ServerKeyFile), serverKey, Secret);
        WriteFile(inOut(ServerCertFile), serverCert, Public);
        written.Add(ServerCertFile);
        written.Add(ServerKeyFile);
    }

    private static string ReadCredential(string path, string name)
    {
        string password = File.ReadAllText(path).TrimEnd('\r', '\n');
        if (password.Length == 0 || password.Contains('\n', StringComparison.Ordinal))
        {
            throw new BrokerConfigException($"{name} must hold one line, the password (remove it, or use --force, for a new one)");
        }

        return password;
    }

    /// <summary>
    /// Writes through a new file created with <paramref name="mode"/> (never readable by others,
    /// not even for a moment) and renamed over the old one.
    /// </summary>
    private static void WriteFile(string path, string content, UnixFileMode mode)
    {
        string temporary = path + ".new-" + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Secret;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(content);
            }

            SetMode(temporary, mode);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
