using System.Text.Json.Nodes;
using Watchdog.Sites.Config;

namespace Watchdog.Sites.Tests.Config;

/// <summary>A valid DR configuration to start from; each test changes the one thing it is about.</summary>
internal static class DrConfigSamples
{
    public const string Valid = """
        {
          "cluster": "lab",
          "etcd": { "members": [
            {"site": "east", "endpoint": "http://10.0.1.10:2379"},
            {"site": "west", "endpoint": "http://10.0.2.10:2379"},
            {"site": "arbiter", "endpoint": "http://10.0.3.10:2379"} ] },
          "sites": [
            {"name": "east", "broker": "10.0.1.1:1883", "boards": ["rack-east"]},
            {"name": "west", "broker": "10.0.2.1:1883", "boards": ["rack-west"]},
            {"name": "arbiter", "arbiter": true} ],
          "dr_groups": [
            { "name": "db", "group": "db", "sites": ["east", "west"],
              "ticket": {"lease_ms": 10000, "renew_ms": 5000, "acquire_after_ms": 5000, "stop_margin_ms": 4000},
              "replication": "sync", "standby_site": "running", "failover": "automatic",
              "objectives": {"rto_ms": 60000, "rpo_ms": 0} } ]
        }
        """;

    public static JsonObject Node() => JsonNode.Parse(Valid)!.AsObject();

    public static JsonObject Group(JsonObject root, int i = 0) => root["dr_groups"]![i]!.AsObject();

    public static JsonObject Ticket(JsonObject root, int i = 0) => Group(root, i)["ticket"]!.AsObject();

    public static DrConfigLoad Load(JsonObject root) => DrConfigLoader.Parse(root.ToJsonString());

    public static IReadOnlyList<string> Errors(Action<JsonObject> change)
    {
        var root = Node();
        change(root);
        var load = Load(root);
        Assert.Null(load.Config);
        return load.Errors;
    }
}
