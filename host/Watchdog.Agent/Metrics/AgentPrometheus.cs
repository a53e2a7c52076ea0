using System.Diagnostics;
using Prometheus;
using Watchdog.Agent.Heartbeat;
using Watchdog.Agent.Roles;
using Watchdog.Agent.Status;
using Watchdog.Metrics;
using Watchdog.Mqtt;

namespace Watchdog.Agent.Metrics;

/// <summary>
/// The agent's Prometheus metrics (names in docs/operations.md, "Metrics"). Everything but the
/// heartbeat lateness histogram is read when a scrape asks, from the state objects the agent keeps
/// anyway (AgentStatus under its lock, the pump's and role state's atomics, the MQTT link).
/// </summary>
public sealed class AgentPrometheus
{
    // Lateness of an edge past its deadline: normally under a millisecond; the board suspects a
    // hang at heartbeat_suspect_ms (hundreds of ms).
    private static readonly double[] LatenessBuckets = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly string _node;
    private readonly string _group;
    private readonly AgentStatus _status;
    private readonly RoleState _roles;
    private readonly HeartbeatPump _pump;
    private readonly MqttLink _link;
    private readonly Gauge _epoch, _highestEpoch, _ready, _feeding, _deviceOk, _heartbeatAge, _boardLost, _mqttConnected, _checkOk, _scrapeDuration;
    private readonly Counter _edges, _connections, _heartbeatCollections, _gcPause, _allocated;
    private readonly StateGauge _role, _health;
    private readonly CollectionCounter _collections;

    public AgentPrometheus(string cluster, string node, string group, AgentStatus status, RoleState roles, HeartbeatPump pump, MqttLink link)
    {
        _node = node;
        _group = group;
        _status = status;
        _roles = roles;
        _pump = pump;
        _link = link;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        MetricFactory f = Prometheus.Metrics.WithCustomRegistry(Registry);
        f.CreateGauge("watchdog_agent_info", "Always 1; the labels name the agent's node, group and cluster.", ["node", "group", "cluster"])
            .WithLabels(node, group, cluster).Set(1);
        _role = new StateGauge(f, "watchdog_agent_role", "1 for the role the agent holds now, 0 for the others.", [],
            Enum.GetValues<NodeRole>().Select(WireWords.Of).ToArray(), "role");
        _health = new StateGauge(f, "watchdog_agent_health", "1 for the agent's own view of its health, 0 for the others.", [],
            Enum.GetValues<Health>().Select(WireWords.Of).ToArray(), "health");
        _epoch = f.CreateGauge("watchdog_agent_epoch", "The epoch of the grant the agent's role rests on.");
        _highestEpoch = f.CreateGauge("watchdog_agent_highest_epoch", "The highest epoch the agent has seen (older grants and commands are refused).");
        _ready = f.CreateGauge("watchdog_agent_ready", "1 while every check that gates promotion passes (the board may promote this node).");
        _feeding = f.CreateGauge("watchdog_agent_heartbeat_feeding", "1 while the agent toggles its heartbeat line (every required check passes).");
        _deviceOk = f.CreateGauge("watchdog_agent_heartbeat_device_ok", "1 while the heartbeat device takes writes.");
        _heartbeatAge = f.CreateGauge("watchdog_agent_heartbeat_age_seconds", "Seconds since the agent wrote its last heartbeat edge; -1 before the first.");
        _edges = f.CreateCounter("watchdog_agent_heartbeat_edges_total", "Heartbeat edges written.");
        Lateness = f.CreateHistogram("watchdog_agent_heartbeat_lateness_seconds", "How late each heartbeat edge was written after its deadline.",
            new HistogramConfiguration { Buckets = LatenessBuckets });
        _checkOk = f.CreateGauge("watchdog_agent_check_ok", "1 while the check passes.", ["check", "required", "gates_promotion"]);
        _boardLost = f.CreateGauge("watchdog_agent_board_lost", "1 while nothing has been heard from the board for Board:LostAfterMs.");
        _mqttConnected = f.CreateGauge("watchdog_agent_mqtt_connected", "1 while the agent's MQTT link is connected to a broker.");
        _connections = f.CreateCounter("watchdog_agent_mqtt_connections_total", "Connections the MQTT link made (reconnects show as increases).");
        _scrapeDuration = f.CreateGauge("watchdog_agent_scrape_duration_seconds", "Seconds this scrape took to read the agent's state.");
        // A collection stops every managed thread, the heartbeat's too: how often and how long
        // is what an operator needs beside the lateness histogram to tell the two apart.
        _collections = new CollectionCounter(f, "watchdog_agent_gc_collections_total", "agent");
        _heartbeatCollections = f.CreateCounter("watchdog_agent_gc_heartbeat_collections_total", "Young collections the heartbeat thread ran itself just after an edge, at its priority; the rest of watchdog_agent_gc_collections_total ran on whichever thread allocated past the budget.");
        _gcPause = f.CreateCounter("watchdog_agent_gc_pause_seconds_total", "Seconds the agent's runtime paused every thread, the heartbeat's too, for garbage collection.");
        _allocated = f.CreateCounter("watchdog_agent_allocated_bytes_total", "Bytes the agent allocated since it started (what drives its collections).");
        pump.EdgeLateness = ms => Lateness.Observe(ms / 1000.0);
        Registry.AddBeforeCollectCallback(Collect);
    }

    public CollectorRegistry Registry { get; }

    public Histogram Lateness { get; }

    private void Collect()
    {
        long start = Stopwatch.GetTimestamp();
        NodeState s = _status.Peek(_node, _group);
        _role.Set([], WireWords.Of(s.Role));
        _health.Set([], WireWords.Of(s.Health));
        _epoch.Set(s.Epoch);
        _highestEpoch.Set(_roles.HighestEpoch);
        _ready.Set(s.Ready ? 1 : 0);
        _feeding.Set(s.Feeding ? 1 : 0);
        _deviceOk.Set(_status.DeviceProblem.Length == 0 ? 1 : 0);
        long last = _pump.LastEdgeTimestamp;
        _heartbeatAge.Set(last < 0 ? -1 : Stopwatch.GetElapsedTime(last).TotalSeconds);
        _edges.IncTo(_pump.Edges);
        foreach (CheckResult c in s.Checks)
        {
            _checkOk.WithLabels(c.Name, c.Required ? "true" : "false", c.GatesPromotion ? "true" : "false").Set(c.Ok ? 1 : 0);
        }

        _boardLost.Set(s.BoardLost ? 1 : 0);
        _mqttConnected.Set(_link.IsConnected ? 1 : 0);
        _connections.IncTo(_link.Connections);
        _collections.Update();

        _heartbeatCollections.IncTo(_pump.Collections);
        _gcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        _allocated.IncTo(GC.GetTotalAllocatedBytes());
        _scrapeDuration.Set(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
