using System.Security.Cryptography.X509Certificates;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>The files: modes, one secret per user, no overwriting without being told, and adding a node without changing anyone's password.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokerConfigWriterTests : ScratchDirectoryTests
{
    private static BrokerPlan Plan(params string[] nodes) => BrokerTestSupport.Plan("prod", [("rack1", "db", nodes)], "alice");

    private BrokerConfigRequest Request(BrokerPlan plan, ExistingFiles existing = ExistingFiles.Refuse) => new()
    {
        Plan = plan,
        OutDirectory = Dir,
        Plain = [new ListenAddress("127.0.0.1", 1883)],
        Existing = existing,
    };

    [Fact]
    public void Secrets_are_readable_by_the_owner_only_and_each_file_holds_one_password()
    {
        BrokerConfigResult result = BrokerConfigWriter.Write(Request(Plan("db1", "db2")));
        Assert.True(result.Ok);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(Dir, "credentials")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Dir, "password_file")));
        string[] users = ["board-rack1", "agent-db1", "agent-db2", "operator-alice"];
        Assert.Equal(users, result.Credentials.Select(c => c.User.User));
        string[] hashes = File.ReadAllLines(Path.Combine(Dir, "password_file"));
        Assert.Equal(users, hashes.Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]));
        foreach (string user in users)
        {
            string file = Path.Combine(Dir, "credentials", user + ".password");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            string password = BrokerTestSupport.Password(Dir, user);
            Assert.Equal(password + "\n", File.ReadAllText(file));
            Assert.True(Matches(hashes.Single(h => h.StartsWith(user + ":", StringComparison.Ordinal)), user, password), user);
        }

        Assert.Equal(4, users.Select(u => BrokerTestSupport.Password(Dir, u)).Distinct().Count());
        string conf = File.ReadAllText(Path.Combine(Dir, "mosquitto.conf"));
        Assert.Contains("allow_anonymous false\n", conf, StringComparison.Ordinal);
        Assert.Contains("per_listener_settings false\n", conf, StringComparison.Ordinal);
        Assert.Contains($"password_file {Dir}/password_file\n", conf, StringComparison.Ordinal);
        Assert.Contains($"acl_file {Dir}/acl_file\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nlistener 1883 127.0.0.1\n", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("\nuse_username_as_clientid", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Existing_files_are_refused_and_nothing_is_written()
    {
        Assert.True(BrokerConfigWriter.Write(Request(Plan("db1"))).Ok);
        string before = BrokerTestSupport.Password(Dir, "agent-db1");

        BrokerConfigResult again = BrokerConfigWriter.Write(Request(Plan("db1", "db2")));

        Assert.False(again.Ok);
        Assert.Contains("credentials/agent-db1.password", again.Refused);
        Assert.Contains("password_file", again.Refused);
        Assert.Equal(before, BrokerTestSupport.Password(Dir, "agent-db1"));
        Assert.False(File.Exists(Path.Combine(Dir, "credentials", "agent-db2.password")));
    }

    [Fact]
    public void Keep_existing_adds_a_node_without_changing_anyones_password_and_force_changes_all()
    {
        Assert.True(BrokerConfigWriter.Write(Request(Plan("db1"))).Ok);
        string board = BrokerTestSupport.Password(Dir, "board-rack1");
        string db1 = BrokerTestSupport.Password(Dir, "agent-db1");

        BrokerConfigResult added = BrokerConfigWriter.Write(Request(Plan("db1", "db2"), ExistingFiles.Keep));

        Assert.True(added.Ok);
        Assert.Equal(board, BrokerTestSupport.Password(Dir, "board-rack1"));
        Assert.Equal(db1, BrokerTestSupport.Password(Dir, "agent-db1"));
        Assert.Contains(added.Credentials, c => c.User.User == "agent-db2" && c.New);
        Assert.Contains(added.Credentials, c => c.User.User == "agent-db1" && !c.New);
        string[] hashes = File.ReadAllLines(Path.Combine(Dir, "password_file"));
        Assert.True(Matches(hashes.Single(h => h.StartsWith("agent-db1:", StringComparison.Ordinal)), "agent-db1", db1));
        Assert.True(Matches(hashes.Single(h => h.StartsWith("agent-db2:", StringComparison.Ordinal)), "agent-db2", BrokerTestSupport.Password(Dir, "agent-db2")));
        Assert.Contains("topic write watchdog/v1/prod/node/db2/grant", File.ReadAllText(Path.Combine(Dir, "acl_file")), StringComparison.Ordinal);

        // db2 leaves again: its credential file stays, named as orphaned, and its user is gone from password_file.
        BrokerConfigResult removed = BrokerConfigWriter.Write(Request(Plan("db1"), ExistingFiles.Keep));
        Assert.Equal(["credentials/agent-db2.password"], removed.Orphaned);
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(Dir, "password_file")), l => l.StartsWith("agent-db2:", StringComparison.Ordinal));

        Assert.True(BrokerConfigWriter.Write(Request(Plan("db1"), ExistingFiles.Overwrite)).Ok);
        Assert.NotEqual(board, BrokerTestSupport.Password(Dir, "board-rack1"));
        Assert.NotEqual(db1, BrokerTestSupport.Password(Dir, "agent-db1"));
    }

    [Fact]
    public void Generated_tls_is_a_ca_and_a_broker_certificate_for_the_given_names_and_is_kept_on_keep_existing()
    {
        var request = Request(Plan("db1")) with
        {
            Tls = [new ListenAddress(null, 8883)],
            TlsFrom = new TlsSource.Generate(["127.0.0.1", "mqtt1.example.net"]),
            InstallDirectory = "/etc/mosquitto/watchdog",
        };
        Assert.True(BrokerConfigWriter.Write(request).Ok);

        string tls = Path.Combine(Dir, "tls");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, "server.key")));
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(tls, "ca.pem")));
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(tls, "server.pem"), Path.Combine(tls, "server.key"));
        Assert.True(server.HasPrivateKey);
        Assert.True(server.MatchesHostname("mqtt1.example.net"));
        Assert.True(server.MatchesHostname("127.0.0.1"));
        Assert.False(server.MatchesHostname("mqtt2.example.net"));
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }

        string conf = File.ReadAllText(Path.Combine(Dir, "mosquitto.conf"));
        Assert.Contains("\nlistener 8883\ncafile /etc/mosquitto/watchdog/tls/ca.pem\ncertfile /etc/mosquitto/watchdog/tls/server.pem\nkeyfile /etc/mosquitto/watchdog/tls/server.key\n", conf, StringComparison.Ordinal);
        Assert.Contains("password_file /etc/mosquitto/watchdog/password_file\n", conf, StringComparison.Ordinal);

        string caPem = File.ReadAllText(Path.Combine(tls, "ca.pem"));
        string serverPem = File.ReadAllText(Path.Combine(tls, "server.pem"));
        Assert.True(BrokerConfigWriter.Write(request with { Existing = ExistingFiles.Keep }).Ok);
        Assert.Equal(caPem, File.ReadAllText(Path.Combine(tls, "ca.pem")));
        Assert.Equal(serverPem, File.ReadAllText(Path.Combine(tls, "server.pem")));
    }

    [Fact]
    public void Given_tls_files_must_belong_together()
    {
        string ca1 = Path.Combine(Dir, "ca1.pem");
        var (ca1Pem, ca1Key) = BrokerTls.CreateCa("prod", DateTimeOffset.UtcNow);
        File.WriteAllText(ca1, ca1Pem);
        var (ca2Pem, ca2Key) = BrokerTls.CreateCa("other", DateTimeOffset.UtcNow);
        var (serverPem, serverKey) = BrokerTls.CreateServer(ca2Pem, ca2Key, ["127.0.0.1"], DateTimeOffset.UtcNow);
        File.WriteAllText(Path.Combine(Dir, "server.pem"), serverPem);
        File.WriteAllText(Path.Combine(Dir, "server.key"), serverKey);
        File.WriteAllText(Path.Combine(Dir, "ca1.key"), ca1Key);

        var e = Assert.Throws<BrokerConfigException>(() => BrokerTls.CheckGiven(ca1, Path.Combine(Dir, "server.pem"), Path.Combine(Dir, "server.key")));
        Assert.Contains("does not chain to --tls-ca", e.Message, StringComparison.Ordinal);
        Assert.Throws<BrokerConfigException>(() => BrokerTls.CheckGiven(ca1, Path.Combine(Dir, "server.pem"), Path.Combine(Dir, "ca1.key")));
    }

    /// <summary>Recomputes a password_file line with its own salt: the hash is of this password.</summary>
    private static bool Matches(string line, string user, string password)
    {
        string[] fields = line[(user.Length + 1)..].Split('$');
        byte[] salt = Convert.FromBase64String(fields[3]);
        return MosquittoPassword.Line(user, password, salt, int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture)) == line;
    }
}
