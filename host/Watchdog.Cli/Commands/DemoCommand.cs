using System.CommandLine;
using Watchdog.Lab.Demo;
using Watchdog.Lab.Faults;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl demo`: the verb only; the demo itself is the lab's (<see cref="DemoRun"/>).</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var fault = new Option<string>("--fault") { Description = string.Join(" | ", FaultCatalogue.Demo.Select(f => f.Name)) + " (or power, link)", DefaultValueFactory = _ => FaultCatalogue.AgentCrash.Name };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the timings as the last line" };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Heartbeat period in ms (detection timeout is three periods)", DefaultValueFactory = _ => 50 };
        var noNamespaces = new Option<bool>("--no-namespaces") { Description = "Run servers as plain processes on loopback (no virtual IP)" };
        var mosquitto = new Option<bool>("--mosquitto")
        {
            Description = "Use a real mosquitto instead of the embedded broker, with the configuration `watchdogctl broker config` writes: " +
                          "no anonymous clients; the board, each agent and the demo's operator log in as board-rack1, agent-<node>, operator-rack; the ACL limits what each may publish",
        };
        var anonymous = new Option<bool>("--anonymous-broker") { Description = "With --mosquitto: no users and no ACL, every client connects anonymously (the embedded broker always does)" };
        var command = new Command("demo", "Run the demo rack: a failure, the failover with timings, and the failback") { fault, json, heartbeat, noNamespaces, mosquitto, anonymous };
        command.SetAction((result, ct) => DemoRun.RunAsync(
            new DemoSettings(
                FaultCatalogue.Parse(result.GetValue(fault)!),
                result.GetValue(json),
                result.GetValue(heartbeat),
                UseNamespaces: !result.GetValue(noNamespaces),
                Mosquitto: result.GetValue(mosquitto),
                SecureBroker: !result.GetValue(anonymous)),
            ct));
        return command;
    }
}
