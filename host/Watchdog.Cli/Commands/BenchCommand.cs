using System.CommandLine;
using Watchdog.Lab.Bench;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Peers;
using Watchdog.Lab.Rack;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl bench`: the verb only; the bench itself is the lab's (<see cref="BenchRun"/>).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario", "-s")
        {
            Description = string.Join(" | ", FaultCatalogue.All.Select(f => f.Name)) + " | all (comma-separated for several); with --boards 2 also " +
                          string.Join(" | ", BoardFaults.All.Select(f => f.Name)) + " (the authority board fails, then agent-crash under the other) and " +
                          string.Join(" | ", PairWireFaults.All.Select(f => f.Name)),
            DefaultValueFactory = _ => "all",
        };
        var boards = new Option<int>("--boards") { Description = "1, or 2: a pair of boards (rack1 preferred, rack1-b); chaos then also draws the board faults and the pair's wire faults", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs", "-n") { Description = "Runs per scenario (or chaos runs)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print the whole report as one JSON object" };
        var peer = new Option<string?>("--peer") { Description = "Also run a peer system on the same faults: " + string.Join(", ", PeerSystems.All.Select(p => p.Name)) };
        var chaos = new Option<bool>("--chaos") { Description = "Random fault schedules; the safety checker runs after each" };
        var seed = new Option<int>("--seed") { Description = "Seed of the chaos schedule", DefaultValueFactory = _ => 1 };
        var soak = new Option<TimeSpan?>("--soak") { Description = "Run this long (e.g. 00:10:00) with CPU-load jitter and no fault; count false fences" };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Heartbeat period (ms)", DefaultValueFactory = _ => 50 };
        var probe = new Option<double>("--probe-ms")
        {
            Description = "The client probe's interval in ms, on our virtual IP and the peer's alike (1-1000): an RTO is measured to the first answer, so it carries up to one interval of the probe's resolution",
            DefaultValueFactory = _ => RackClusterOptions.DefaultProbeIntervalMs,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the JSON report, the Markdown tables and one SVG timeline per scenario" };
        var agent = new Option<string?>("--agent") { Description = "A published agent executable to run on the servers (dotnet publish host/Watchdog.Agent -c Release -r linux-x64: NativeAOT, as in production); default: the JIT build next to watchdogctl" };
        var board = new Option<string?>("--board") { Description = "A published board executable to run as the rack's board (dotnet publish firmware/Watchdog.Board -c Release -r linux-x64 -p:PublishAot=true: NativeAOT); default: the JIT build next to watchdogctl" };
        var network = new Option<string>("--network-failure") { Description = "The group's policy for an active that lost every link: demote (ask it, fence after demote_ack_timeout_ms) or fence (hold it at once)", DefaultValueFactory = _ => "demote" };
        var anonymous = new Option<bool>("--anonymous-broker")
        {
            Description = "Run mosquitto with no users and no ACL, every client anonymous. Without it mosquitto runs the configuration `watchdogctl broker config` writes: " +
                          "the board, each agent and the bench's operator log in as board-rack1, agent-<node>, operator-rack, and the ACL limits what each may publish",
        };
        var service = new Option<string>("--service")
        {
            Description = "What runs behind the virtual IP: http (the node-name service) or postgres (PostgreSQL 15 streaming replication; adds rpo_rows, rpo_span_ms and write_outage_ms)",
            DefaultValueFactory = _ => "http",
        };
        var mode = new Option<string>("--postgres-mode") { Description = "With --service postgres: sync or async replication", DefaultValueFactory = _ => "sync" };
        var frontier = new Option<bool>("--frontier")
        {
            Description = "For each of --periods: RTO of hang, agent-crash and power-loss (--runs each), keepalived's at the same VRRPv3 advert interval, " +
                          "and a soak (--soak, default 00:10:00) of both side by side under CPU and I/O load; a table, JSON and an SVG plot (frontier.svg with --out)",
        };
        var periods = new Option<string>("--periods") { Description = "With --frontier: heartbeat periods in ms, comma-separated, multiples of 10 from 10 to 1000", DefaultValueFactory = _ => FrontierRun.DefaultPeriods };
        var groups = new Option<int?>("--groups")
        {
            Description = "The scale bench: the rack with 1, 2, 4 ... up to this many groups of two servers (1-4; one board channel per server): the board's tick lateness, CPU and RSS " +
                          "over a steady window, then each --scenario fault (default hang, agent-crash) on one group alone and on two groups at the same instant, each group's RTO",
        };
        var steady = new Option<int>("--steady-s") { Description = "With --groups: the board's steady window in seconds (its tick statistics interval)", DefaultValueFactory = _ => 20 };
        var wakeup = new Option<bool>("--wakeup")
        {
            Description = "No rack: how late this machine wakes a real-time thread at --heartbeat-ms (the agent's heartbeat thread's side), quiet, under I/O load, under CPU and I/O load, --soak each (default 1 min)",
        };
        var command = new Command("bench", "Measure failover on the virtual rack, optionally side by side with keepalived") { scenario, boards, runs, json, peer, chaos, seed, soak, heartbeat, probe, output, agent, board, network, anonymous, service, mode, frontier, periods, groups, steady, wakeup };
        command.SetAction((result, ct) => BenchRun.RunAsync(Settings(result), ct));
        return command;

        BenchSettings Settings(ParseResult result) =>
            new()
            {
                Scenario = result.GetValue(scenario)!,
                Runs = result.GetValue(runs),
                Json = result.GetValue(json),
                Peer = result.GetValue(peer),
                Chaos = result.GetValue(chaos),
                Seed = result.GetValue(seed),
                Soak = result.GetValue(soak),
                HeartbeatMs = result.GetValue(heartbeat),
                ProbeMs = result.GetValue(probe),
                OutDir = result.GetValue(output),
                Agent = result.GetValue(agent),
                Board = result.GetValue(board),
                NetworkFailure = result.GetValue(network)!,
                SecureBroker = !result.GetValue(anonymous),
                Boards = result.GetValue(boards),
                Service = RackPostgres.ParseService(result.GetValue(service)!),
                PostgresMode = RackPostgres.ParseMode(result.GetValue(mode)!),
                Periods = result.GetValue(frontier) ? FrontierRun.ParsePeriods(result.GetValue(periods)!) : null,
                Groups = result.GetValue(groups),
                SteadyS = result.GetValue(steady),
                Wakeup = result.GetValue(wakeup),
            };
    }
}
