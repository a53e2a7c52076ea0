namespace Watchdog.Operator.Spof;

/// <summary>
/// What the board, agent and DR configurations do not say about a rack: its switches, each
/// server's NICs, bonds and power supplies, the power feeds, the brokers, and services that run
/// outside any board group. docs/spof.md describes every field. Read it with <see cref="RackTopologyReader"/>.
/// </summary>
public sealed record RackTopology(
    string Name,
    int Brokers,
    IReadOnlyList<string> Switches,
    IReadOnlyList<string> PowerFeeds,
    IReadOnlyList<TopologyServer> Servers,
    IReadOnlyList<TopologyService> Services);

/// <summary>A server (the node name its board channel and agent use) with its NICs, bonds and power supplies.</summary>
public sealed record TopologyServer(string Node, IReadOnlyList<TopologyNic> Nics, IReadOnlyList<TopologyBond> Bonds, IReadOnlyList<TopologyPsu> Psus);

/// <summary>A NIC and the switch it is cabled to.</summary>
public sealed record TopologyNic(string Name, string Switch);

/// <summary>A bond (LACP or active-backup) over some of the server's NICs.</summary>
public sealed record TopologyBond(string Name, IReadOnlyList<string> Members);

/// <summary>A power supply and the feed it is plugged into.</summary>
public sealed record TopologyPsu(string Name, string Feed);

/// <summary>A service the boards do not fail over (a cron host, a reporting box): the nodes that can run it.</summary>
public sealed record TopologyService(string Name, IReadOnlyList<string> Nodes);
