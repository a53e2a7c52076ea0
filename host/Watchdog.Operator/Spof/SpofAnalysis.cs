using Watchdog.Firmware.Core.Config;

namespace Watchdog.Operator.Spof;

/// <summary>
/// The static single-point-of-failure check: every element of the rack description whose loss
/// alone stops a service, by layer (network, hardware, software, the watchdog itself, site) and,
/// within a layer, in the order of the checks below and of the files given. It judges only what
/// the files say: a server the topology does not describe is judged by what its board channel
/// wires (one link input: one NIC as far as anyone can tell; one power-good input: one PSU).
/// </summary>
public static class SpofAnalysis
{
    public static IReadOnlyList<SpofFinding> Find(RackFiles files)
    {
        if (files.Errors.Count > 0)
        {
            throw new InvalidOperationException("the rack description has errors; judge it only once RackFiles.Errors is empty");
        }

        var findings = new List<SpofFinding>();
        Network(files, findings);
        Hardware(files, findings);
        Software(files, findings);
        Watchdog(files, findings);
        Site(files, findings);
        return findings.OrderBy(f => f.Layer).ToList();
    }

    private static HashSet<string> Described(RackFiles files) =>
        files.Topologies.SelectMany(t => t.Topology.Servers.Select(s => s.Node)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Each watched node once (the two boards of a pair wire the same nodes), with the board file and channel index that first names it.</summary>
    private static IEnumerable<(BoardFile Board, int Index, ChannelConfig Channel)> Channels(RackFiles files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var board in files.Boards)
        {
            for (int i = 0; i < board.Config.Channels.Length; i++)
            {
                if (seen.Add(board.Config.Channels[i].Node))
                {
                    yield return (board, i, board.Config.Channels[i]);
                }
            }
        }
    }

    /// <summary>Each board group once, with the board file and index that first names it.</summary>
    private static IEnumerable<(BoardFile Board, int Index, GroupConfig Group)> Groups(RackFiles files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var board in files.Boards)
        {
            for (int i = 0; i < board.Config.Groups.Length; i++)
            {
                if (seen.Add(board.Config.Groups[i].Name))
                {
                    yield return (board, i, board.Config.Groups[i]);
                }
            }
        }
    }

    private static void Network(RackFiles files, List<SpofFinding> findings)
    {
        foreach (var (path, t) in files.Topologies.Select(t => (t.Path, t.Topology)))
        {
            if (t.Switches.Count == 1)
            {
                findings.Add(new(SpofLayer.Network, "one-switch", path, "switches",
                    $"one switch ({t.Switches[0]}) carries every server: when it fails, no server reaches another or the broker",
                    "add a second switch and cable each server's second NIC to it, bonded with the first"));
            }

            for (int i = 0; i < t.Servers.Count; i++)
            {
                var s = t.Servers[i];
                if (s.Nics.Count == 1)
                {
                    findings.Add(new(SpofLayer.Network, "one-nic", path, $"servers[{i}].nics",
                        $"{s.Node} has one NIC ({s.Nics[0].Name}): a bad cable, port or NIC cuts it off",
                        $"add a second NIC to {s.Node}, cable it to another switch and bond the two"));
                }
                else if (t.Switches.Count > 1 && s.Nics.Select(n => n.Switch).Distinct().Count() == 1)
                {
                    findings.Add(new(SpofLayer.Network, "one-switch", path, $"servers[{i}].nics",
                        $"every NIC of {s.Node} is cabled to {s.Nics[0].Switch}: that switch alone cuts it off",
                        $"cable one of {s.Node}'s NICs to another switch ({string.Join(", ", t.Switches.Where(w => w != s.Nics[0].Switch))})"));
                }

                for (int b = 0; b < s.Bonds.Count; b++)
                {
                    if (s.Bonds[b].Members.Count == 1)
                    {
                        findings.Add(new(SpofLayer.Network, "one-member-bond", path, $"servers[{i}].bonds[{b}].members",
                            $"bond {s.Bonds[b].Name} of {s.Node} has one member ({s.Bonds[b].Members[0]}): it fails over to nothing",
                            $"add a second NIC of {s.Node}, on another switch, to {s.Bonds[b].Name}"));
                    }
                }
            }
        }

        var described = Described(files);
        foreach (var (board, i, channel) in Channels(files).Where(c => !described.Contains(c.Channel.Node) && c.Channel.LinkInputs < 2))
        {
            findings.Add(new(SpofLayer.Network, "one-nic", board.Path, $"channels[{i}].link_inputs",
                $"the board watches one NIC link of {channel.Node} (channel {channel.Name}) and no topology file describes its NICs: one NIC as far as these files say",
                $"give {channel.Node} a second, bonded NIC on another switch and wire its link LED to the board (link_inputs 2), or describe its NICs in a topology file"));
        }
    }

    private static void Hardware(RackFiles files, List<SpofFinding> findings)
    {
        foreach (var (path, t) in files.Topologies.Select(t => (t.Path, t.Topology)))
        {
            for (int i = 0; i < t.Servers.Count; i++)
            {
                var s = t.Servers[i];
                if (s.Psus.Count == 1)
                {
                    findings.Add(new(SpofLayer.Hardware, "one-psu", path, $"servers[{i}].psus",
                        $"{s.Node} has one power supply ({s.Psus[0].Name})",
                        $"fit {s.Node} with a second power supply on another feed, and wire its power-good to the board"));
                }
            }

            if (t.PowerFeeds.Count == 1)
            {
                findings.Add(new(SpofLayer.Hardware, "one-power-feed", path, "power_feeds",
                    $"one power feed ({t.PowerFeeds[0]}) powers the rack: when it trips, every server stops at once",
                    "bring a second feed (another PDU on another circuit or UPS) and plug each server's second PSU into it"));
            }
            else
            {
                for (int i = 0; i < t.Servers.Count; i++)
                {
                    var s = t.Servers[i];
                    if (s.Psus.Count > 1 && s.Psus.Select(p => p.Feed).Distinct().Count() == 1)
                    {
                        findings.Add(new(SpofLayer.Hardware, "one-power-feed", path, $"servers[{i}].psus",
                            $"every power supply of {s.Node} is on feed {s.Psus[0].Feed}",
                            $"plug one of {s.Node}'s power supplies into another feed ({string.Join(", ", t.PowerFeeds.Where(p => p != s.Psus[0].Feed))})"));
                    }
                }
            }
        }

        var described = Described(files);
        foreach (var (board, i, channel) in Channels(files).Where(c => !described.Contains(c.Channel.Node) && c.Channel.PowerGoodInputs < 2))
        {
            findings.Add(new(SpofLayer.Hardware, "one-psu", board.Path, $"channels[{i}].power_good_inputs",
                $"the board watches one power supply of {channel.Node} (channel {channel.Name}) and no topology file describes its PSUs: one PSU as far as these files say",
                $"give {channel.Node} a second power supply on another feed and wire its power-good to the board (power_good_inputs 2), or describe its PSUs in a topology file"));
        }
    }

    private static void Software(RackFiles files, List<SpofFinding> findings)
    {
        foreach (var (board, i, group) in Groups(files).Where(g => g.Group.Members.Length < 2))
        {
            findings.Add(new(SpofLayer.Software, "one-member-group", board.Path, $"groups[{i}].members",
                $"group {group.Name} has one member ({string.Join(", ", group.Members)}): when it fails, nobody takes over",
                $"add a second server to group {group.Name}, wired to a channel of the board, with an agent in group {group.Name}"));
        }

        var grouped = files.Boards.SelectMany(b => b.Config.Groups.SelectMany(g => g.Members)).ToHashSet(StringComparer.Ordinal);
        foreach (var (board, i, channel) in Channels(files).Where(c => !grouped.Contains(c.Channel.Node)))
        {
            findings.Add(new(SpofLayer.Software, "no-standby", board.Path, $"channels[{i}]",
                $"{channel.Node} (channel {channel.Name}) is in no group: the board resets or fences it, but nothing takes over its service",
                $"put {channel.Node} in a group with a standby (\"groups\": [{{\"name\": ..., \"members\": [\"{channel.Node}\", <standby>]}}])"));
        }

        foreach (var (path, t) in files.Topologies.Select(t => (t.Path, t.Topology)))
        {
            for (int i = 0; i < t.Services.Count; i++)
            {
                if (t.Services[i].Nodes.Count < 2)
                {
                    findings.Add(new(SpofLayer.Software, "no-standby", path, $"services[{i}].nodes",
                        $"service {t.Services[i].Name} runs on {t.Services[i].Nodes[0]} alone: no standby",
                        $"run {t.Services[i].Name} on a second node, or move it into a board group"));
                }
            }
        }
    }

    private static void Watchdog(RackFiles files, List<SpofFinding> findings)
    {
        foreach (var board in files.Boards.Where(b => b.Config.Pair is null))
        {
            string pinMapNote = files.PinMaps.Count == 0 ? ""
                : files.PinMaps.All(p => p.Map.Pair is not null)
                    ? $" ({string.Join(", ", files.PinMaps.Select(p => p.Path))} has the pair pins)"
                    : $" ({string.Join(", ", files.PinMaps.Where(p => p.Map.Pair is null).Select(p => p.Path))} has no pair section: a pair gives up a channel for its pins, see its notes)";
            findings.Add(new(SpofLayer.Watchdog, "one-board", board.Path, "pair",
                $"board {board.Config.Board} is alone: while it is down nothing is fenced and nobody fails over",
                $"add a second board and a \"pair\" section to both configurations{pinMapNote}; docs/operations.md, \"Two boards\""));
        }

        foreach (var agent in files.Agents.Where(a => a.Brokers.Distinct(StringComparer.OrdinalIgnoreCase).Count() < 2))
        {
            findings.Add(new(SpofLayer.Watchdog, "one-broker", agent.Path, "Mqtt:Brokers",
                $"the agent of {agent.Node} knows one broker ({agent.Brokers[0]}): while it is down the agent gets no grant and a failover waits",
                "run a second broker (bridged to the first) and list both in Mqtt:Brokers"));
        }

        foreach (var (path, t) in files.Topologies.Select(t => (t.Path, t.Topology)).Where(t => t.Topology.Brokers == 1))
        {
            findings.Add(new(SpofLayer.Watchdog, "one-broker", path, "brokers",
                "one MQTT broker: while it is down no grant reaches an agent and a failover waits",
                "run a second broker (bridged to the first), list both in every agent's Mqtt:Brokers and give the boards both (--broker, repeatable)"));
        }
    }

    private static void Site(RackFiles files, List<SpofFinding> findings)
    {
        var covered = files.DrConfigs.SelectMany(d => d.Config.DrGroups.Select(g => g.Group)).ToHashSet(StringComparer.Ordinal);
        string where = files.DrConfigs.Count == 0
            ? "no DR configuration is given"
            : $"no DR group of {string.Join(", ", files.DrConfigs.Select(d => d.Path))} names it";
        foreach (var (board, i, group) in Groups(files).Where(g => !covered.Contains(g.Group.Name)))
        {
            findings.Add(new(SpofLayer.Site, "one-site", board.Path, $"groups[{i}]",
                $"group {group.Name} runs at one site ({where}): losing the site loses the service",
                $"add a DR group for {group.Name} with a second site and an arbiter (docs/dr.md)"));
        }

        if (files.Boards.Count == 0 && files.DrConfigs.Count == 0)
        {
            foreach (var t in files.Topologies)
            {
                findings.Add(new(SpofLayer.Site, "one-site", t.Path, "topology",
                    $"rack {t.Topology.Name} is one site and no DR configuration is given",
                    "add a second site and a DR configuration (docs/dr.md)"));
            }
        }
    }
}
