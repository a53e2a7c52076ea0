using System.Text;
using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Watchdog.Operator.Spof;

namespace Watchdog.Cli.Tests.Spof;

/// <summary>Files spof cannot use: every problem, in every file, named by file and path, all in one run.</summary>
public sealed class SpofInputErrorTests
{
    private static RackFiles Read(params (string Path, string Json)[] files) =>
        RackFiles.FromContents(files.Select(f => (f.Path, Encoding.UTF8.GetBytes(f.Json))));

    [Fact]
    public void Every_problem_of_a_topology_is_named_with_its_path()
    {
        var rack = new SpofRack();
        var topology = rack[SpofRack.Topology];
        topology.Remove("brokers");
        topology["racks"] = 2;
        var db1 = topology["servers"]![0]!;
        db1["nics"]![1]!["switch"] = "sw-c";
        db1["bonds"]![0]!["members"]![1] = "eno3";
        db1["psus"]![0]!["feed"] = "feed-c";
        db1["psus"]![1]!["watts"] = 800;
        topology["servers"]![1]!["node"] = "db1";
        topology["servers"]![1]!["psus"] = new JsonArray();

        var files = rack.Read();

        Assert.Equal(
            [
                "topology.json: racks: unknown field (known here: topology, brokers, switches, power_feeds, servers, services)",
                "topology.json: brokers: is missing",
                "topology.json: servers[0].nics[1].switch: 'sw-c' is not in switches (sw-a, sw-b)",
                "topology.json: servers[0].bonds[0].members[1]: 'eno3' is not one of db1's nics (eno1, eno2)",
                "topology.json: servers[0].psus[0].feed: 'feed-c' is not in power_feeds (feed-a, feed-b)",
                "topology.json: servers[0].psus[1].watts: unknown field (known here: name, feed)",
                "topology.json: servers[1].node: 'db1' is described twice",
                "topology.json: servers[1].psus: is empty: a server runs on at least one power supply",
            ],
            files.Errors);
        Assert.Empty(files.Topologies);
    }

    [Fact]
    public void Problems_in_several_files_are_all_reported()
    {
        var files = Read(
            ("broken.json", "{\"board\": \"rack-a\",\n  \"channels\": [}"),
            ("notes.json", "{\"title\": \"what is this\"}"),
            ("board.json", "{\"board\": \"rack-a\", \"cluster\": \"prod\", \"channels\": [{\"name\": \"s1\", \"node\": \"db1\", \"power_good_inputs\": 9}]}"),
            ("dr.json", "{\"cluster\": \"prod\", \"dr_groups\": []}"),
            ("agent.json", "{\"Node\": \"db1\", \"Cluster\": \"prod\", \"Mqtt\": {\"Brokers\": [{\"Port\": 1883}]}}"));

        Assert.StartsWith("broken.json: line 2, byte 16: not JSON (", files.Errors[0], StringComparison.Ordinal);
        Assert.StartsWith("notes.json: not a file watchdogctl spof reads: a topology file has \"topology\"", files.Errors[1], StringComparison.Ordinal);
        Assert.Equal("board.json: board configuration: channels[0].power_good_inputs (9) must be between 1 and 2", files.Errors[2]);
        Assert.Contains(files.Errors, e => e.StartsWith("dr.json: ", StringComparison.Ordinal));
        Assert.Equal("agent.json: Mqtt:Brokers:0:Host: is missing", files.Errors[^1]);
    }

    [Fact]
    public void Files_of_two_clusters_and_nodes_on_no_board_are_refused()
    {
        var rack = new SpofRack();
        rack[SpofRack.AgentDb2]["Cluster"] = "staging";
        rack[SpofRack.AgentDb1]["Node"] = "db7";
        rack[SpofRack.Topology]["servers"]![1]!["node"] = "db9";

        var errors = rack.Read().Errors;

        Assert.Equal(
            [
                "agent-db2.json: Cluster: 'staging', but board-a.json is for cluster 'prod'; one run describes one cluster",
                "topology.json: servers[1].node: 'db9' is on no board configuration given (nodes: db1, db2)",
                "agent-db1.json: Node: 'db7' is on no board configuration given (nodes: db1, db2)",
            ],
            errors);
    }

    [Fact]
    public void Judging_a_description_with_errors_is_refused()
    {
        var files = Read(("notes.json", "{}"));
        Assert.Single(files.Errors);
        Assert.Throws<InvalidOperationException>(() => SpofAnalysis.Find(files));
    }
}
