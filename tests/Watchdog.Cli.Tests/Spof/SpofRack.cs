using System.Text;
using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Watchdog.Operator.Spof;

namespace Watchdog.Cli.Tests.Spof;

/// <summary>
/// A rack with no single point of failure: a pair of boards watching db1 and db2 (group db), both
/// agents on two brokers, a DR group for db, and a topology where every server has two bonded
/// NICs on two switches and two PSUs on two feeds. Tests change one thing and look for its finding.
/// </summary>
internal sealed class SpofRack
{
    public const string BoardA = "board-a.json";
    public const string BoardB = "board-b.json";
    public const string AgentDb1 = "agent-db1.json";
    public const string AgentDb2 = "agent-db2.json";
    public const string Dr = "dr.json";
    public const string Topology = "topology.json";

    public Dictionary<string, JsonObject> Files { get; } = new(StringComparer.Ordinal)
    {
        [BoardA] = Board("rack-a", "rack-b", preferred: true),
        [BoardB] = Board("rack-b", "rack-a", preferred: false),
        [AgentDb1] = Agent("db1"),
        [AgentDb2] = Agent("db2"),
        [Dr] = Parse("""
            {
              "cluster": "prod",
              "etcd": {"members": [
                {"site": "east", "endpoint": "http://10.0.1.10:2379"},
                {"site": "west", "endpoint": "http://10.0.2.10:2379"},
                {"site": "arbiter", "endpoint": "http://10.0.3.10:2379"}]},
              "sites": [
                {"name": "east", "broker": "10.0.1.1:1883", "boards": ["rack-a", "rack-b"]},
                {"name": "west", "broker": "10.0.2.1:1883", "boards": ["rack-west"]},
                {"name": "arbiter", "arbiter": true}],
              "dr_groups": [
                {"name": "db", "group": "db", "sites": ["east", "west"], "replication": "sync", "standby_site": "running",
                 "failover": "automatic", "objectives": {"rto_ms": 60000, "rpo_ms": 0}}]
            }
            """),
        [Topology] = Parse("""
            {
              "topology": "rack-a",
              "brokers": 2,
              "switches": ["sw-a", "sw-b"],
              "power_feeds": ["feed-a", "feed-b"],
              "servers": [
                {"node": "db1",
                 "nics": [{"name": "eno1", "switch": "sw-a"}, {"name": "eno2", "switch": "sw-b"}],
                 "bonds": [{"name": "bond0", "members": ["eno1", "eno2"]}],
                 "psus": [{"name": "psu1", "feed": "feed-a"}, {"name": "psu2", "feed": "feed-b"}]},
                {"node": "db2",
                 "nics": [{"name": "eno1", "switch": "sw-a"}, {"name": "eno2", "switch": "sw-b"}],
                 "bonds": [{"name": "bond0", "members": ["eno1", "eno2"]}],
                 "psus": [{"name": "psu1", "feed": "feed-a"}, {"name": "psu2", "feed": "feed-b"}]}
              ],
              "services": [{"name": "backups", "nodes": ["db1", "db2"]}]
            }
            """),
    };

    public JsonObject this[string file] => Files[file];

    public RackFiles Read() => RackFiles.FromContents(Files.Select(f => (f.Key, Encoding.UTF8.GetBytes(f.Value.ToJsonString()))));

    public IReadOnlyList<SpofFinding> Findings()
    {
        var files = Read();
        Assert.True(files.Errors.Count == 0, string.Join("\n", files.Errors));
        return SpofAnalysis.Find(files);
    }

    /// <summary>Writes every file into <paramref name="dir"/>; returns their paths.</summary>
    public string[] WriteTo(string dir) => Files.Select(f =>
    {
        string path = Path.Combine(dir, f.Key);
        File.WriteAllText(path, f.Value.ToJsonString());
        return path;
    }).ToArray();

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Board(string name, string peer, bool preferred) => Parse($$"""
        {
          "board": "{{name}}",
          "cluster": "prod",
          "channels": [
            {"name": "s1", "node": "db1", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true},
            {"name": "s2", "node": "db2", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true}
          ],
          "groups": [{"name": "db", "mode": "active-standby", "members": ["db1", "db2"], "failback": "manual"}],
          "timing": {"tick_ms": 10},
          "pair": {"peer": "{{peer}}", "preferred": {{(preferred ? "true" : "false")}}}
        }
        """);

    private static JsonObject Agent(string node) => Parse($$"""
        {
          "Cluster": "prod",
          "Node": "{{node}}",
          "Group": "db",
          "Mqtt": {"Brokers": [{"Host": "mqtt1.example.net", "Port": 8883}, {"Host": "mqtt2.example.net", "Port": 8883}]}
        }
        """);
}
