using System.CommandLine;
using Watchdog.Operator.Broker;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl broker config`: a mosquitto configuration with one user per board, agent and operator, an ACL, and optionally TLS.</summary>
public static class BrokerCommand
{
    public const int ExitRefused = 1;

    public const string Usage =
        "watchdogctl broker config --board-config <board.json>... --operator <name>... --out <dir>\n" +
        "    [--listen [<address>:]<port>]... [--tls-listen [<address>:]<port>]...\n" +
        "    [--generate-tls --tls-host <name-or-ip>... | --tls-ca <ca.pem> --tls-cert <server.pem> --tls-key <server.key>]\n" +
        "    [--install-dir <dir>] [--keep-existing | --force]\n" +
        "    [--bridge-peer <site>]... [--bridge-to <site>=<address>:<port> --bridge-password-file <file> [--bridge-ca <ca.pem>]]";

    public static Command Create()
    {
        var boardConfigs = new Option<string[]>("--board-config")
        {
            Description = "A board's configuration file (the one it runs with); repeat for every board of the cluster. Boards, nodes and groups come from these",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var operators = new Option<string[]>("--operator")
        {
            Description = "An operator who runs watchdogctl (user operator-<name>); repeat for each",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o") { Description = "Directory to write the files to", Required = true };
        var installDir = new Option<string?>("--install-dir")
        {
            Description = "Where the broker will find password_file, acl_file and tls/ (mosquitto.conf names them there); default: the --out directory",
        };
        var listen = new Option<string[]>("--listen")
        {
            Description = "Plain MQTT listener, port or address:port; repeatable (default 1883 on every address when there is no TLS, none with TLS)",
        };
        var tlsListen = new Option<string[]>("--tls-listen")
        {
            Description = "MQTT over TLS listener, port or address:port; repeatable (default 8883 on every address when TLS is configured)",
        };
        var generateTls = new Option<bool>("--generate-tls") { Description = "Generate a cluster CA and the broker's certificate into <out>/tls" };
        var tlsHosts = new Option<string[]>("--tls-host") { Description = "A DNS name or IP address clients use for the broker, put in its certificate; repeatable" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "Existing CA certificate (PEM) clients trust" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Existing broker certificate (PEM), signed by --tls-ca" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Existing broker private key (PEM)" };
        var keepExisting = new Option<bool>("--keep-existing")
        {
            Description = "Keep credential and TLS files already in --out (to add a node or an operator) and rewrite mosquitto.conf, password_file and acl_file",
        };
        var force = new Option<bool>("--force") { Description = "Overwrite files already in --out: new passwords for everyone (and a new CA with --generate-tls)" };
        var bridgePeers = new Option<string[]>("--bridge-peer")
        {
            Description = "Another site (its cluster name) whose broker bridges its status and events into this one, as user bridge-<site>; repeatable",
        };
        var bridgeTo = new Option<string?>("--bridge-to")
        {
            Description = "Bridge this site's status and events out to another site's broker, <site>=<address>:<port> (implies --bridge-peer <site>); grants and commands are never bridged",
        };
        var bridgePassword = new Option<string?>("--bridge-password-file")
        {
            Description = "With --bridge-to: the other site's credentials/bridge-<this cluster>.password, written by its own run with --bridge-peer <this cluster>",
        };
        var bridgeCa = new Option<string?>("--bridge-ca") { Description = "With --bridge-to: the CA certificate of the other site's TLS listener" };

        var config = new Command("config", "Write mosquitto.conf, password_file, acl_file and one credential file per board, agent and operator")
        {
            boardConfigs, operators, output, installDir, listen, tlsListen, generateTls, tlsHosts, tlsCa, tlsCert, tlsKey, keepExisting, force,
            bridgePeers, bridgeTo, bridgePassword, bridgeCa,
        };
        config.Validators.Add(result =>
        {
            bool generate = result.GetValue(generateTls);
            bool anyGiven = result.GetValue(tlsCa) is not null || result.GetValue(tlsCert) is not null || result.GetValue(tlsKey) is not null;
            bool allGiven = result.GetValue(tlsCa) is not null && result.GetValue(tlsCert) is not null && result.GetValue(tlsKey) is not null;
            if (generate && anyGiven)
            {
                result.AddError("--generate-tls and --tls-ca/--tls-cert/--tls-key exclude each other");
            }
            else if (anyGiven && !allGiven)
            {
                result.AddError("--tls-ca, --tls-cert and --tls-key go together");
            }

            if (generate && (result.GetValue(tlsHosts) ?? []).Length == 0)
            {
                result.AddError("--generate-tls needs at least one --tls-host: the name or address clients connect to (boards and agents check it against the certificate)");
            }

            if (!generate && (result.GetValue(tlsHosts) ?? []).Length > 0)
            {
                result.AddError("--tls-host is for --generate-tls");
            }

            if (!generate && !anyGiven && (result.GetValue(tlsListen) ?? []).Length > 0)
            {
                result.AddError("--tls-listen needs --generate-tls or --tls-ca, --tls-cert and --tls-key");
            }

            if (result.GetValue(keepExisting) && result.GetValue(force))
            {
                result.AddError("--keep-existing and --force exclude each other");
            }

            if (result.GetValue(bridgeTo) is not null && result.GetValue(bridgePassword) is null)
            {
                result.AddError("--bridge-to needs --bridge-password-file: the password the other site's broker has for this site's bridge");
            }

            if (result.GetValue(bridgeTo) is null && (result.GetValue(bridgePassword) is not null || result.GetValue(bridgeCa) is not null))
            {
                result.AddError("--bridge-password-file and --bridge-ca are for --bridge-to");
            }
        });
        config.SetAction(result =>
        {
            var peers = (result.GetValue(bridgePeers) ?? []).ToList();
            var bridges = new List<BridgeTarget>();
            if (result.GetValue(bridgeTo) is string to)
            {
                var (site, peer) = BrokerBridge.ParseTarget(to, "--bridge-to");
                bridges.Add(new BridgeTarget { PeerCluster = site, Peer = peer, PasswordFile = result.GetValue(bridgePassword)!, CaFile = result.GetValue(bridgeCa) });
                if (!peers.Contains(site, StringComparer.Ordinal))
                {
                    peers.Add(site);
                }
            }

            var plan = BrokerPlan.Read(result.GetValue(boardConfigs)!, result.GetValue(operators)!, peers);
            TlsSource? tls = result.GetValue(generateTls)
                ? new TlsSource.Generate(result.GetValue(tlsHosts)!)
                : result.GetValue(tlsCa) is string ca ? new TlsSource.Given(ca, result.GetValue(tlsCert)!, result.GetValue(tlsKey)!) : null;
            var plain = (result.GetValue(listen) ?? []).Select(l => ListenAddress.Parse(l, "--listen")).ToList();
            var secure = (result.GetValue(tlsListen) ?? []).Select(l => ListenAddress.Parse(l, "--tls-listen")).ToList();
            if (tls is null && plain.Count == 0)
            {
                plain.Add(new ListenAddress(null, 1883));
            }

            if (tls is not null && secure.Count == 0)
            {
                secure.Add(new ListenAddress(null, 8883));
            }

            string outDir = result.GetValue(output)!;
            var written = BrokerConfigWriter.Write(new BrokerConfigRequest
            {
                Plan = plan,
                OutDirectory = outDir,
                InstallDirectory = result.GetValue(installDir),
                Plain = plain,
                Tls = secure,
                TlsFrom = tls,
                Existing = result.GetValue(force) ? ExistingFiles.Overwrite : result.GetValue(keepExisting) ? ExistingFiles.Keep : ExistingFiles.Refuse,
                Bridges = bridges,
            });
            if (!written.Ok)
            {
                Console.Error.WriteLine($"watchdogctl: {Path.GetFullPath(outDir)} already has {string.Join(", ", written.Refused)}; " +
                    "refusing to overwrite them (--keep-existing keeps passwords and certificates and adds what is new, --force replaces everything)");
                return ExitRefused;
            }

            Report(plan, outDir, result.GetValue(installDir), plain, secure, tls, written);
            return 0;
        });

        var broker = new Command("broker", "Configure the cluster's MQTT broker (mosquitto)");
        broker.Subcommands.Add(config);
        return broker;
    }

    private static void Report(BrokerPlan plan, string outDir, string? installDir, List<ListenAddress> plain, List<ListenAddress> secure, TlsSource? tls, BrokerConfigResult result)
    {
        string full = Path.GetFullPath(outDir);
        Console.WriteLine($"cluster {plan.Cluster}: {plan.Boards.Count} board(s), {plan.Nodes.Count} node(s), {plan.Operators.Count} operator(s); files in {full}");
        foreach (string f in result.Written)
        {
            Console.WriteLine($"  wrote {f}");
        }

        foreach (string f in result.Kept)
        {
            Console.WriteLine($"  kept  {f}");
        }

        Console.WriteLine("listeners: " + string.Join(", ", plain.Select(l => l + " (plain)").Concat(secure.Select(l => l + " (TLS)"))));
        foreach (string peer in plan.BridgePeers)
        {
            Console.WriteLine($"site {peer}'s bridge may push its status and events here as {BrokerBridge.UserOf(peer)} (give that site credentials/{BrokerBridge.UserOf(peer)}.password)");
        }

        Console.WriteLine("users (each gets its own credential file, nobody else's):");
        foreach (var (user, file, isNew) in result.Credentials)
        {
            Console.WriteLine($"  {user.User,-24} {file}{(isNew ? "" : " (kept)")}");
        }

        foreach (string f in result.Orphaned)
        {
            Console.Error.WriteLine($"watchdogctl: {f} belongs to no user of these configurations any more (its user is not in password_file); delete it");
        }

        string where = installDir ?? full;
        string caNote = tls is TlsSource.Generate
            ? $"\n  tls/ca.pem goes to every board, agent and operator; tls/ca.key stays here (it only signs new broker certificates)."
            : "";
        Console.Error.WriteLine($"""

            Install:
              broker:     mosquitto.conf, password_file, acl_file{(tls is TlsSource.Generate ? ", tls/ca.pem, tls/server.pem, tls/server.key" : "")} to {where}
                          (password_file and server.key readable by the mosquitto user only), then
                          mosquitto -c {where}/mosquitto.conf, or link mosquitto.conf into /etc/mosquitto/conf.d/
              boards:     --username board-<board> --password-file <its credentials file>{(tls is null ? "" : " --ca-file ca.pem")}
              agents:     "Mqtt": {"{"} "Username": "agent-<node>", "PasswordFile": "<its credentials file>"{(tls is null ? "" : ", Brokers with \"Tls\": true, \"CaFile\"")} {"}"}
              operators:  watchdogctl --username operator-<name>{(tls is null ? "" : " --ca-file ca.pem")} with WATCHDOG_MQTT_PASSWORD from its credentials file{caNote}
            Adding a node or operator later: run this again with --keep-existing, copy password_file and acl_file to the broker
            and send mosquitto SIGHUP (it rereads both); nobody else's password changes.
            """);
    }
}
