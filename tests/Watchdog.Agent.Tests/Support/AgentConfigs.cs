namespace Watchdog.Agent.Tests.Support;

/// <summary>Configuration texts for tests.</summary>
public static class AgentConfigs
{
    /// <summary>A valid configuration on the virtual wire; checks and extra keys are spliced in.</summary>
    public static string Valid(string wireFile, int brokerPort, string checksJson = "[]", int periodMs = 100, string extra = "", string edgeRecordFile = "") => $$"""
        {
          "Cluster": "test",
          "Node": "n1",
          "Group": "g1",
          "Heartbeat": { "Driver": "virtual", "WireFile": "{{wireFile}}", "Pin": 2, "PeriodMs": {{periodMs}}, "EdgeRecordFile": "{{edgeRecordFile}}" },
          "Mqtt": {
            "Brokers": [ { "Host": "127.0.0.1", "Port": {{brokerPort}} } ],
            "ReconnectMinMs": 100, "ReconnectMaxMs": 500, "StatePublishMs": 1000, "KeepAliveSeconds": 5
          },
          "Metrics": { "IntervalMs": 1000 },
          {{extra}}
          "Checks": {{checksJson}}
        }
        """;
}
