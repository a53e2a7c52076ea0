using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Watchdog.Operator.Spof;

namespace Watchdog.Cli.Tests.Spof;

/// <summary>
/// Each check against the redundant rack of <see cref="SpofRack"/>: the rack as it is has no
/// finding (every remedy applied), and one change brings exactly the finding it should, in its
/// layer, at the file and path of the element that became single.
/// </summary>
public sealed class SpofAnalysisTests
{
    [Fact]
    public void The_redundant_rack_has_no_single_point_of_failure()
    {
        Assert.Empty(new SpofRack().Findings());
    }

    public static TheoryData<string> Cases => new(Changes.Keys);

    /// <summary>A change to the redundant rack and the finding it must bring: layer, kind, file, path.</summary>
    private static readonly Dictionary<string, (Action<SpofRack> Change, SpofLayer Layer, string Kind, string File, string Path)> Changes = new()
    {
        ["one switch in the rack"] = (r =>
        {
            r[SpofRack.Topology]["switches"] = new JsonArray("sw-a");
            foreach (var nic in Servers(r).SelectMany(s => s!["nics"]!.AsArray()))
            {
                nic!["switch"] = "sw-a";
            }
        }, SpofLayer.Network, "one-switch", SpofRack.Topology, "switches"),
        ["a server's NICs on one switch"] = (r => Servers(r)[1]!["nics"]![1]!["switch"] = "sw-a",
            SpofLayer.Network, "one-switch", SpofRack.Topology, "servers[1].nics"),
        ["a server with one NIC"] = (r =>
        {
            Servers(r)[0]!["nics"]!.AsArray().RemoveAt(1);
            Servers(r)[0]!.AsObject().Remove("bonds");
        }, SpofLayer.Network, "one-nic", SpofRack.Topology, "servers[0].nics"),
        ["a node no topology describes, one link wired"] = (r =>
        {
            Servers(r).RemoveAt(1);
            r[SpofRack.BoardA]["channels"]![1]!["link_inputs"] = 1;
        }, SpofLayer.Network, "one-nic", SpofRack.BoardA, "channels[1].link_inputs"),
        ["a bond with one member"] = (r => Servers(r)[0]!["bonds"]![0]!["members"]!.AsArray().RemoveAt(1),
            SpofLayer.Network, "one-member-bond", SpofRack.Topology, "servers[0].bonds[0].members"),
        ["a server with one PSU"] = (r => Servers(r)[0]!["psus"]!.AsArray().RemoveAt(1),
            SpofLayer.Hardware, "one-psu", SpofRack.Topology, "servers[0].psus"),
        ["a node no topology describes, one power-good wired"] = (r =>
        {
            Servers(r).RemoveAt(1);
            r[SpofRack.BoardA]["channels"]![1]!["power_good_inputs"] = 1;
        }, SpofLayer.Hardware, "one-psu", SpofRack.BoardA, "channels[1].power_good_inputs"),
        ["one power feed in the rack"] = (r =>
        {
            r[SpofRack.Topology]["power_feeds"] = new JsonArray("feed-a");
            foreach (var psu in Servers(r).SelectMany(s => s!["psus"]!.AsArray()))
            {
                psu!["feed"] = "feed-a";
            }
        }, SpofLayer.Hardware, "one-power-feed", SpofRack.Topology, "power_feeds"),
        ["a server's PSUs on one feed"] = (r => Servers(r)[1]!["psus"]![1]!["feed"] = "feed-a",
            SpofLayer.Hardware, "one-power-feed", SpofRack.Topology, "servers[1].psus"),
        ["a group with one member"] = (r =>
        {
            r[SpofRack.BoardA]["groups"]![0]!["members"]!.AsArray().RemoveAt(1);
            r[SpofRack.BoardB]["groups"]![0]!["members"]!.AsArray().RemoveAt(1);
        }, SpofLayer.Software, "one-member-group", SpofRack.BoardA, "groups[0].members"),
        ["a watched node in no group"] = (r =>
        {
            r[SpofRack.BoardA]["groups"]!.AsArray().Clear();
            r[SpofRack.BoardB]["groups"]!.AsArray().Clear();
        }, SpofLayer.Software, "no-standby", SpofRack.BoardA, "channels[0]"),
        ["a service on one node"] = (r => r[SpofRack.Topology]["services"]![0]!["nodes"]!.AsArray().RemoveAt(1),
            SpofLayer.Software, "no-standby", SpofRack.Topology, "services[0].nodes"),
        ["one board"] = (r =>
        {
            r.Files.Remove(SpofRack.BoardB);
            r[SpofRack.BoardA].Remove("pair");
        }, SpofLayer.Watchdog, "one-board", SpofRack.BoardA, "pair"),
        ["an agent with one broker"] = (r => r[SpofRack.AgentDb2]["Mqtt"]!["Brokers"]!.AsArray().RemoveAt(1),
            SpofLayer.Watchdog, "one-broker", SpofRack.AgentDb2, "Mqtt:Brokers"),
        ["an agent with one broker listed twice"] = (r => r[SpofRack.AgentDb1]["Mqtt"]!["Brokers"]![1]!["Host"] = "MQTT1.example.net",
            SpofLayer.Watchdog, "one-broker", SpofRack.AgentDb1, "Mqtt:Brokers"),
        ["one broker in the topology"] = (r => r[SpofRack.Topology]["brokers"] = 1,
            SpofLayer.Watchdog, "one-broker", SpofRack.Topology, "brokers"),
        ["no DR configuration"] = (r => r.Files.Remove(SpofRack.Dr),
            SpofLayer.Site, "one-site", SpofRack.BoardA, "groups[0]"),
        ["a DR configuration without the group"] = (r => r[SpofRack.Dr]["dr_groups"]![0]!["group"] = "reports",
            SpofLayer.Site, "one-site", SpofRack.BoardA, "groups[0]"),
        ["only a topology"] = (r =>
        {
            foreach (string file in new[] { SpofRack.BoardA, SpofRack.BoardB, SpofRack.AgentDb1, SpofRack.AgentDb2, SpofRack.Dr })
            {
                r.Files.Remove(file);
            }
        }, SpofLayer.Site, "one-site", SpofRack.Topology, "topology"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_change_brings_its_finding_and_nothing_outside_its_layer(string change)
    {
        var (apply, layer, kind, file, path) = Changes[change];
        var rack = new SpofRack();
        apply(rack);
        var findings = rack.Findings();

        var found = Assert.Single(findings, f => f.Kind == kind && f.File == file && f.Path == path);
        Assert.Equal(layer, found.Layer);
        Assert.NotEmpty(found.Remedy);
        Assert.All(findings, f => Assert.Equal(layer, f.Layer));
    }

    [Fact]
    public void Findings_come_by_layer_network_hardware_software_watchdog_site()
    {
        var rack = new SpofRack();
        foreach (string change in new[] { "no DR configuration", "one board", "a service on one node", "one power feed in the rack", "a bond with one member" })
        {
            Changes[change].Change(rack);
        }

        var layers = rack.Findings().Select(f => f.Layer).Distinct().ToList();
        Assert.Equal([SpofLayer.Network, SpofLayer.Hardware, SpofLayer.Software, SpofLayer.Watchdog, SpofLayer.Site], layers);
    }

    [Fact]
    public void A_node_and_a_group_watched_by_both_boards_of_a_pair_are_judged_once()
    {
        var rack = new SpofRack();
        Changes["a group with one member"].Change(rack);
        var findings = rack.Findings();
        Assert.Single(findings, f => f.Kind == "one-member-group");
        Assert.Equal(SpofRack.BoardA, Assert.Single(findings, f => f.Kind == "no-standby").File);
    }

    [Fact]
    public void The_one_board_remedy_says_whether_the_pin_map_has_pair_pins()
    {
        var rack = new SpofRack();
        Changes["one board"].Change(rack);
        var pi = SpofRack.Parse(File.ReadAllText(Path.Combine(Dr.DrFiles.Root(), "hardware", "boards", "raspberry-pi.json")));
        rack.Files["raspberry-pi.json"] = pi;
        var remedy = Assert.Single(rack.Findings()).Remedy;
        Assert.Contains("raspberry-pi.json has no pair section", remedy, StringComparison.Ordinal);
    }

    private static JsonArray Servers(SpofRack r) => r[SpofRack.Topology]["servers"]!.AsArray();
}
