using System.Net;
using System.Net.Sockets;
using Watchdog.Operator.Broker;
using Watchdog.Sim.Broker;

namespace Watchdog.Lab.Rack;

/// <summary>One user of the rack's broker: its name and the file holding its password alone on one line.</summary>
public sealed record BrokerLogin(string User, string PasswordFile)
{
    public string Password() => File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');
}

/// <summary>
/// The rack's broker set up as an operator sets up theirs: `watchdogctl broker config`'s own code
/// (<see cref="BrokerPlan"/>, <see cref="BrokerConfigWriter"/>) reads the board's configuration
/// file and writes mosquitto.conf (no anonymous clients), the password file, the ACL and one
/// credential file per user into the rack's folder; mosquitto runs that configuration. The users:
/// <c>board-rack1</c> (and <c>board-rack1-b</c> with a pair), <c>agent-&lt;node&gt;</c> per node, and <c>operator-rack</c>, which the
/// observer logs in as (it reads everything and sends the rack's signed commands, which is what an
/// operator may do).
/// </summary>
public sealed class RackBrokerUsers
{
    /// <summary>The rack's one operator: user operator-rack.</summary>
    public const string OperatorName = "rack";

    private RackBrokerUsers(string directory, BrokerPlan plan, int port)
    {
        Directory = directory;
        Plan = plan;
        Port = port;
    }

    /// <summary>The folder `broker config` wrote to (mosquitto.conf, password_file, acl_file, credentials/).</summary>
    public string Directory { get; }

    public BrokerPlan Plan { get; }

    /// <summary>The port of the configuration's one listener.</summary>
    public int Port { get; }

    public string ConfFile => Path.Combine(Directory, BrokerConfigWriter.ConfFile);

    public BrokerLogin Board(string board) => Login(BrokerPlan.BoardUserPrefix + board);

    public BrokerLogin Agent(string node) => Login(BrokerPlan.AgentUserPrefix + node);

    public BrokerLogin Operator => Login(BrokerPlan.OperatorUserPrefix + OperatorName);

    /// <summary>The login of site <paramref name="peer"/>'s bridge on this broker.</summary>
    public BrokerLogin Bridge(string peer) => Login(BrokerBridge.UserOf(peer));

    private BrokerLogin Login(string user)
    {
        BrokerUser known = Plan.Users.SingleOrDefault(u => u.User == user) ?? throw new ArgumentException($"'{user}' is not a user of the rack's broker", nameof(user));
        return new BrokerLogin(known.User, Path.Combine(Directory, BrokerConfigWriter.CredentialFile(known)));
    }

    /// <summary>
    /// Writes the configuration for the boards of <paramref name="boardConfigPaths"/> (one, or a pair) with one plain listener on
    /// <paramref name="host"/> and <paramref name="port"/> (0: a free one), and starts mosquitto on it; a free port another process
    /// took between the probe and mosquitto's bind is picked again (no client has read the files yet).
    /// Other sites' bridges log in with the passwords of <paramref name="bridgePeers"/>; this broker bridges out to <paramref name="bridges"/>;
    /// it also listens on <paramref name="alsoListenOn"/> (same port).
    /// </summary>
    public static (RackBrokerUsers Users, MosquittoProcess Broker) Start(
        string directory, IReadOnlyList<string> boardConfigPaths, string host, int port = 0,
        IReadOnlyList<BridgePeerLogin>? bridgePeers = null, IReadOnlyList<BridgeTarget>? bridges = null, IReadOnlyList<string>? alsoListenOn = null)
    {
        bridgePeers ??= [];
        BrokerPlan plan = BrokerPlan.Read(boardConfigPaths, [OperatorName], [.. bridgePeers.Select(p => p.Cluster)]);

        // A peer's bridge password is set by the peer's side (it is in the peer's bridge section):
        // placed as this user's credential file, the writer keeps it and hashes it into password_file.
        System.IO.Directory.CreateDirectory(Path.Combine(directory, BrokerConfigWriter.CredentialsDirectory));
        foreach (BridgePeerLogin peer in bridgePeers)
        {
            var user = new BrokerUser(BrokerBridge.UserOf(peer.Cluster), PrincipalKind.Bridge, peer.Cluster);
            File.Copy(peer.PasswordFile, Path.Combine(directory, BrokerConfigWriter.CredentialFile(user)), overwrite: true);
        }

        for (int attempt = 1; ; attempt++)
        {
            int listen = port != 0 ? port : FreePort(host);
            BrokerConfigWriter.Write(new BrokerConfigRequest
            {
                Plan = plan,
                OutDirectory = directory,
                Plain = [new ListenAddress(host, listen), .. (alsoListenOn ?? []).Select(a => new ListenAddress(a, listen))],
                // Keep: the peers' bridge passwords placed above; everything else is new in a new folder.
                Existing = ExistingFiles.Keep,
                Bridges = bridges ?? [],
            });
            var users = new RackBrokerUsers(directory, plan, listen);
            try
            {
                return (users, MosquittoProcess.Start(new MosquittoOptions { Port = listen, BindAddress = host, ConfigFile = users.ConfFile }));
            }
            catch (InvalidOperationException e) when (port == 0 && attempt < 3 && e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    /// <summary>A port free on <paramref name="host"/> now (the kernel's pick; nothing holds it after).</summary>
    public static int FreePort(string host)
    {
        using var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
