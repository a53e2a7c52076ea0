using System.Text.Json.Nodes;

namespace Watchdog.Operator.Spof;

/// <summary>
/// Reads a topology file (docs/spof.md). It refuses the file whole when anything is wrong and
/// says every problem at once, each with its path in the file (<c>servers[1].psus[0].feed</c>):
/// unknown fields, wrong types, a NIC on a switch the file does not list, a bond over a NIC the
/// server does not have, a PSU on an unlisted feed, a node described twice.
/// </summary>
public static class RackTopologyReader
{
    /// <summary>The field that tells a topology file from the other files <c>watchdogctl spof</c> reads.</summary>
    public const string MarkerField = "topology";

    public static (RackTopology? Topology, IReadOnlyList<string> Errors) Read(JsonObject root)
    {
        var f = new Fields();
        f.Known(root, "", MarkerField, "brokers", "switches", "power_feeds", "servers", "services");
        string name = f.String(root, "", MarkerField) ?? "";
        int brokers = f.Int(root, "", "brokers") ?? 0;
        if (root["brokers"] is not null && brokers < 1)
        {
            f.Error("brokers", $"{brokers}: at least 1 (the brokers the boards and agents use)");
        }

        var switches = f.Names(root, "", "switches");
        var feeds = f.Names(root, "", "power_feeds");
        var servers = new List<TopologyServer>();
        var seenNodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (server, at) in f.Objects(root, "", "servers"))
        {
            f.Known(server, at, "node", "nics", "bonds", "psus");
            string node = f.String(server, at, "node") ?? "";
            if (node.Length > 0 && !seenNodes.Add(node))
            {
                f.Error($"{at}.node", $"'{node}' is described twice");
            }

            var nics = new List<TopologyNic>();
            foreach (var (nic, nicAt) in f.Objects(server, at, "nics"))
            {
                f.Known(nic, nicAt, "name", "switch");
                string nicName = f.String(nic, nicAt, "name") ?? "";
                string sw = f.String(nic, nicAt, "switch") ?? "";
                if (sw.Length > 0 && !switches.Contains(sw))
                {
                    f.Error($"{nicAt}.switch", $"'{sw}' is not in switches ({Listed(switches)})");
                }

                if (nicName.Length > 0 && nics.Any(n => n.Name == nicName))
                {
                    f.Error($"{nicAt}.name", $"'{nicName}' is listed twice on {node}");
                }

                nics.Add(new TopologyNic(nicName, sw));
            }

            if (server["nics"] is JsonArray { Count: 0 })
            {
                f.Error($"{at}.nics", "is empty: a server without a NIC cannot be reached");
            }

            var bonds = new List<TopologyBond>();
            foreach (var (bond, bondAt) in f.Objects(server, at, "bonds", required: false))
            {
                f.Known(bond, bondAt, "name", "members");
                string bondName = f.String(bond, bondAt, "name") ?? "";
                var members = f.Names(bond, bondAt, "members");
                for (int m = 0; m < members.Count; m++)
                {
                    if (!nics.Any(n => n.Name == members[m]))
                    {
                        f.Error($"{bondAt}.members[{m}]", $"'{members[m]}' is not one of {node}'s nics ({Listed(nics.Select(n => n.Name).ToList())})");
                    }
                }

                bonds.Add(new TopologyBond(bondName, members));
            }

            var psus = new List<TopologyPsu>();
            foreach (var (psu, psuAt) in f.Objects(server, at, "psus"))
            {
                f.Known(psu, psuAt, "name", "feed");
                string psuName = f.String(psu, psuAt, "name") ?? "";
                string feed = f.String(psu, psuAt, "feed") ?? "";
                if (feed.Length > 0 && !feeds.Contains(feed))
                {
                    f.Error($"{psuAt}.feed", $"'{feed}' is not in power_feeds ({Listed(feeds)})");
                }

                psus.Add(new TopologyPsu(psuName, feed));
            }

            if (server["psus"] is JsonArray { Count: 0 })
            {
                f.Error($"{at}.psus", "is empty: a server runs on at least one power supply");
            }

            servers.Add(new TopologyServer(node, nics, bonds, psus));
        }

        var services = new List<TopologyService>();
        foreach (var (service, at) in f.Objects(root, "", "services", required: false))
        {
            f.Known(service, at, "name", "nodes");
            string serviceName = f.String(service, at, "name") ?? "";
            services.Add(new TopologyService(serviceName, f.Names(service, at, "nodes")));
        }

        return f.Errors.Count > 0
            ? (null, f.Errors)
            : (new RackTopology(name, brokers, switches, feeds, servers, services), f.Errors);
    }

    private static string Listed(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    /// <summary>Typed reads that record a problem with its path and go on, so one pass finds them all.</summary>
    private sealed class Fields
    {
        public List<string> Errors { get; } = [];

        public void Error(string path, string message) => Errors.Add($"{path}: {message}");

        private static string Join(string at, string name) => at.Length == 0 ? name : $"{at}.{name}";

        public void Known(JsonObject obj, string at, params string[] known)
        {
            foreach (var (key, _) in obj)
            {
                if (!known.Contains(key))
                {
                    Error(Join(at, key), $"unknown field (known here: {string.Join(", ", known)})");
                }
            }
        }

        public string? String(JsonObject obj, string at, string name)
        {
            switch (obj[name])
            {
                case null:
                    Error(Join(at, name), "is missing");
                    return null;
                case JsonValue v when v.TryGetValue(out string? s) && s.Trim().Length > 0:
                    return s;
                default:
                    Error(Join(at, name), "must be a non-empty string");
                    return null;
            }
        }

        public int? Int(JsonObject obj, string at, string name)
        {
            switch (obj[name])
            {
                case null:
                    Error(Join(at, name), "is missing");
                    return null;
                case JsonValue v when v.TryGetValue(out int i):
                    return i;
                default:
                    Error(Join(at, name), "must be a whole number");
                    return null;
            }
        }

        /// <summary>An array of distinct non-empty strings.</summary>
        public List<string> Names(JsonObject obj, string at, string name)
        {
            var names = new List<string>();
            if (obj[name] is not JsonArray array)
            {
                Error(Join(at, name), obj[name] is null ? "is missing" : "must be an array of names");
                return names;
            }

            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonValue v && v.TryGetValue(out string? s) && s.Trim().Length > 0)
                {
                    if (names.Contains(s))
                    {
                        Error($"{Join(at, name)}[{i}]", $"'{s}' is listed twice");
                    }

                    names.Add(s);
                }
                else
                {
                    Error($"{Join(at, name)}[{i}]", "must be a non-empty string");
                }
            }

            if (array.Count == 0)
            {
                Error(Join(at, name), "is empty");
            }

            return names;
        }

        public List<(JsonObject Item, string At)> Objects(JsonObject obj, string at, string name, bool required = true)
        {
            var items = new List<(JsonObject, string)>();
            if (obj[name] is null)
            {
                if (required)
                {
                    Error(Join(at, name), "is missing");
                }

                return items;
            }

            if (obj[name] is not JsonArray array)
            {
                Error(Join(at, name), "must be an array of objects");
                return items;
            }

            for (int i = 0; i < array.Count; i++)
            {
                string itemAt = $"{Join(at, name)}[{i}]";
                if (array[i] is JsonObject item)
                {
                    items.Add((item, itemAt));
                }
                else
                {
                    Error(itemAt, "must be an object");
                }
            }

            return items;
        }
    }
}
