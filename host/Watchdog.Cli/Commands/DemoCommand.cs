using System.CommandLine;
using Watchdog.Lab.Demo;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl demo`: the verb only; the demo itself is the lab's (<see cref="DemoRun"/>).</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var fault = new Option<string>("--fault")
        {
            Description = string.Join(" | ", FaultCatalogue.Demo.Select(f => f.Name)) + " (or power, link); with --boards 2 also " +
                          string.Join(" | ", BoardFaults.All.Select(f => f.Name)) + " (the authority board fails, then agent-crash under the other)",
            DefaultValueFactory = _ => FaultCatalogue.AgentCrash.Name,
        };
        var boards = new Option<int>("--boards") { Description = "1, or 2: a pair of boards (rack1 preferred, rack1-b) with wires, reset lines and a link between them", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the timings as the last line" };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Heartbeat period in ms (detection timeout is three periods)", DefaultValueFactory = _ => 50 };
        var noNamespaces = new Option<bool>("--no-namespaces") { Description = "Run servers as plain processes on loopback (no virtual IP)" };
        var mosquitto = new Option<bool>("--mosquitto")
        {
            Description = "Use a real mosquitto instead of the embedded broker, with the configuration `watchdogctl broker config` writes: " +
                          "no anonymous clients; the board, each agent and the demo's operator log in as board-rack1, agent-<node>, operator-rack; the ACL limits what each may publish",
        };
        var anonymous = new Option<bool>("--anonymous-broker") { Description = "With --mosquitto: no users and no ACL, every client connects anonymously (the embedded broker always does)" };
        var service = new Option<string>("--service")
        {
            Description = "What runs behind the virtual IP: http (the node-name service) or postgres (PostgreSQL 15 streaming replication failed over by the recipe's hooks; shows RPO and the write outage)",
            DefaultValueFactory = _ => "http",
        };
        var mode = new Option<string>("--postgres-mode") { Description = "With --service postgres: sync (no acknowledged row may be lost) or async", DefaultValueFactory = _ => "sync" };
        var timeline = new Option<string?>("--timeline") { Description = "Write the failover's timeline to this SVG file (roles, who held the virtual IP, the client's answers, the fault and the fence)" };
        var command = new Command("demo", "Run the demo rack: a failure, the failover with timings, and the failback") { fault, boards, json, heartbeat, noNamespaces, mosquitto, anonymous, service, mode, timeline };
        command.SetAction((result, ct) => DemoRun.RunAsync(
            new DemoSettings(
                // A board fault is shown first; the server fault after it is the agent crash.
                BoardFaults.Find(result.GetValue(fault)!) is null ? FaultCatalogue.Parse(result.GetValue(fault)!) : FaultCatalogue.AgentCrash,
                result.GetValue(json),
                result.GetValue(heartbeat),
                UseNamespaces: !result.GetValue(noNamespaces),
                Mosquitto: result.GetValue(mosquitto),
                SecureBroker: !result.GetValue(anonymous),
                Boards: result.GetValue(boards),
                BoardFault: BoardFaults.Find(result.GetValue(fault)!),
                Service: RackPostgres.ParseService(result.GetValue(service)!),
                PostgresMode: RackPostgres.ParseMode(result.GetValue(mode)!),
                TimelinePath: result.GetValue(timeline)),
            ct));
        return command;
    }
}
