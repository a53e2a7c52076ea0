using System.Text.Json.Nodes;
using Watchdog.Firmware.Core.Config;

namespace Watchdog.Lab.Rack;

/// <summary>
/// Writes the board and agent configuration files a rack cluster runs with: the same formats an
/// operator writes (docs/operations.md), with timings derived from the heartbeat period.
/// </summary>
public static class ClusterConfigs
{
    public const int BoardBootGraceMs = 1500;

    /// <summary>
    /// The rack's agents promote in tens of ms, a JIT agent's first promote in ~300 ms and more on
    /// a loaded 2-core machine; 5 s never mistakes a slow first promote for a lost grant.
    /// </summary>
    public const int GrantAckTimeoutMs = 5000;

    /// <summary>
    /// With PostgreSQL the promote hook runs first (pg_ctl promote, psql for the fence): measured
    /// at 0.3-10 s on a loaded 2-core machine. A lost grant must not be assumed while it runs.
    /// </summary>
    public const int PostgresGrantAckTimeoutMs = 30000;

    /// <summary>The rack's agents republish their state every 2 s (StatePublishMs below): two missed and 1 s slack.</summary>
    public const int NodeSilenceMs = 5000;

    /// <summary>The rack's one board; of a pair, the preferred one.</summary>
    public const string BoardName = "rack1";

    /// <summary>The second board of a pair (RackClusterOptions.Boards = 2).</summary>
    public const string PeerBoardName = "rack1-b";

    /// <summary>The rack's boards: rack1, and rack1-b with a pair.</summary>
    public static IReadOnlyList<string> BoardNames(RackClusterOptions o) => o.Boards switch
    {
        1 => [BoardName],
        2 => [BoardName, PeerBoardName],
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Boards, "a rack has 1 board or a pair (2)"),
    };

    /// <summary>The other board of the pair.</summary>
    public static string PeerOf(string board) => board == BoardName ? PeerBoardName : BoardName;

    /// <summary>
    /// The rack's reset_stop_ms: the simulator's worst case from the reset wire to a frozen
    /// server, measured by every failover run (FailoverResult.ResetStopMs): 0.3-1.7 ms typically
    /// and 15.4 ms at worst in 10 link-flap runs at load 11-17 (docs/benchmarks.md), rounded up.
    /// A run slower than the confirm time below is reported as the lab's problem.
    /// </summary>
    public const int SimulatorResetStopMs = 20;

    /// <summary>
    /// Reset held this long before the node counts as out (the board's fence_confirm_ms), at
    /// least the simulator's stop time, as the board's configuration check demands of any output
    /// stage. Real hardware declares its own measured reset_stop_ms (hardware/README.md): a
    /// PhotoMOS or mechanical relay plus the motherboard's reset debounce (~16 ms), 40 ms until
    /// measured; the 100 ms default is sized for a 50 ms tick and an unknown output stage.
    /// </summary>
    public static int FenceConfirmMs(RackClusterOptions o) => Math.Max(o.TickMs, SimulatorResetStopMs);

    /// <summary>How long a power-good or link change must last before the board believes it.</summary>
    public static int DebounceMs(RackClusterOptions o) => Math.Max(o.TickMs * 2, 20);

    public static string Board(RackClusterOptions o, IReadOnlyList<(string Channel, string Node)> members, string board = BoardName)
    {
        var period = o.HeartbeatPeriodMs;
        var root = new JsonObject
        {
            ["board"] = board,
            ["cluster"] = o.Cluster,
            ["timing"] = new JsonObject
            {
                ["tick_ms"] = o.TickMs,
                ["heartbeat_period_ms"] = period,
                ["heartbeat_suspect_ms"] = period * 2,
                ["heartbeat_timeout_ms"] = period * 3,
                ["debounce_ms"] = DebounceMs(o),
                ["board_boot_grace_ms"] = BoardBootGraceMs,
                // A database server's boot includes its rejoin (wait for the primary, pg_rewind
                // or a clone, start): seconds on a loaded machine, with its port check failing.
                ["node_boot_grace_ms"] = o.Service == RackService.Postgres ? 30000 : 5000,
                ["recovery_stable_ms"] = 1500,
                // A demotion request to an active that lost its link cannot be answered: fence soon.
                // With PostgreSQL the agent acknowledges after its demote hook (pg_ctl stop, as the
                // postgres user): 0.7-1.4 s on a loaded machine, and a planned failback given 500 ms
                // was aborted and retried through a rolled-back promote (epoch 2 -> 6).
                ["demote_ack_timeout_ms"] = o.Service == RackService.Postgres ? 5000 : 500,
                ["grant_ack_timeout_ms"] = o.Service == RackService.Postgres ? PostgresGrantAckTimeoutMs : GrantAckTimeoutMs,
                ["node_silence_ms"] = NodeSilenceMs,
                ["fence_confirm_ms"] = FenceConfirmMs(o),
                ["reset_stop_ms"] = SimulatorResetStopMs,
                ["reading_period_ms"] = 1000,
            },
            ["escalation"] = new JsonObject
            {
                ["backoff_ms"] = 1000,
                ["backoff_max_ms"] = 8000,
                ["cap_attempts"] = 3,
                ["cap_window_ms"] = 600000,
            },
            ["channels"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Channel,
                ["node"] = m.Node,
                ["has_role"] = true,
                ["has_fence"] = true,
            }).ToArray()),
            // One entry per group of the rack (RackClusterOptions.GroupCount), each of its own members.
            ["groups"] = new JsonArray(o.RackGroups.Select(g => (JsonNode)new JsonObject
            {
                ["name"] = g.Name,
                ["mode"] = "active-standby",
                ["members"] = new JsonArray(g.Nodes.Select(n => (JsonNode)n).ToArray()),
                ["failback"] = o.FailbackStableMs > 0 ? "automatic" : "manual",
                ["failback_stable_ms"] = o.FailbackStableMs > 0 ? o.FailbackStableMs : 5000,
                ["network_failure"] = ConfigWords.Of(o.NetworkFailure),
                // A DR site's group has an active only while the site holds its ticket.
                ["site_ticket"] = o.DrSite is not null,
            }).ToArray()),
        };
        if (o.Boards == 2)
        {
            root["pair"] = Pair(board);
        }

        return root.ToJsonString();
    }

    /// <summary>
    /// The pair section of a board of the pair (the shared design's values): rack1 is preferred,
    /// so it takes authority when both boot together.
    /// </summary>
    public static JsonObject Pair(string board) => new()
    {
        ["peer"] = PeerOf(board),
        ["preferred"] = board == BoardName,
        ["heartbeat_period_ms"] = 20,
        ["peer_timeout_ms"] = 80,
        ["link_period_ms"] = 20,
        ["link_timeout_ms"] = 100,
        ["priority_delay_ms"] = 300,
        ["confirm_ms"] = 100,
        ["peer_boot_grace_ms"] = 15000,
        ["epoch_block"] = 64,
    };

    public static string Agent(
        RackClusterOptions o, string node, int heartbeatPin, string wireFile, string brokerHost, int brokerPort,
        string keyFile, string epochFile, string edgeRecordFile, string vip, int vipPrefix, string vipInterface, string? netns, BrokerLogin? login = null, RackPostgres? database = null)
    {
        var root = new JsonObject
        {
            ["Cluster"] = o.Cluster,
            ["Node"] = node,
            ["Group"] = o.GroupOf(node).Name,
            ["Heartbeat"] = new JsonObject
            {
                ["Driver"] = "virtual",
                ["WireFile"] = wireFile,
                ["Pin"] = heartbeatPin,
                ["PeriodMs"] = o.HeartbeatPeriodMs,
                ["EdgeRecordFile"] = edgeRecordFile,
            },
            ["Mqtt"] = new JsonObject
            {
                ["Brokers"] = new JsonArray(new JsonObject { ["Host"] = brokerHost, ["Port"] = brokerPort }),
                ["ClientId"] = $"agent-{node}",
                ["Username"] = login?.User ?? "",
                ["PasswordFile"] = login?.PasswordFile ?? "",
                ["ReconnectMinMs"] = 200,
                ["ReconnectMaxMs"] = 2000,
                ["StatePublishMs"] = 2000,
            },
            ["Board"] = new JsonObject { ["LostAfterMs"] = 10000, ["EpochFile"] = epochFile },
            ["Commands"] = new JsonObject { ["KeyFile"] = keyFile },
            ["Metrics"] = new JsonObject { ["IntervalMs"] = 5000 },
            // With PostgreSQL the database is the service that must be alive (the node-name
            // service beside it only answers the VIP probe).
            ["Checks"] = database?.Checks(node) ?? new JsonArray(new JsonObject
            {
                ["Name"] = "service",
                ["Kind"] = "tcp",
                ["Host"] = "127.0.0.1",
                ["Port"] = o.ServicePort,
                ["Required"] = true,
                ["IntervalMs"] = 500,
                ["TimeoutMs"] = 300,
            }),
            ["Failover"] = new JsonObject
            {
                ["Vip"] = new JsonObject
                {
                    ["Address"] = vip,
                    ["PrefixLength"] = vipPrefix,
                    ["Interface"] = vipInterface,
                    ["ArpCount"] = 2,
                    ["Netns"] = netns ?? "",
                },
            },
        };
        if (database is not null)
        {
            root["Failover"]!["Hooks"] = database.Hooks();
        }

        if (o.DrSite is { } dr)
        {
            // The board keeps the site ticket: an active must not outlive a silent board by more
            // than the other site's earliest takeover.
            root["Board"]!["DemoteWhenSilentMs"] = dr.DemoteWhenSilentMs;
        }

        return root.ToJsonString();
    }
}
