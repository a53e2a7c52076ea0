using System.CommandLine;
using Watchdog.Lab.Live;
using Watchdog.Lab.Rack;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl rack up|fault|recover|down`: a virtual rack kept running to play with from a
/// second shell; the rack itself is the lab's (<see cref="LiveRack"/>).
/// </summary>
public static class RackCommand
{
    public static Command Create()
    {
        var rack = new Command("rack", "A virtual rack to play with: up keeps it running; fault, recover and down act on it from another shell");
        rack.Subcommands.Add(Up());
        rack.Subcommands.Add(Fault());
        rack.Subcommands.Add(Recover());
        rack.Subcommands.Add(Down());
        return rack;
    }

    private static Option<string> SessionDirectory() => new("--dir")
    {
        Description = "The rack's session folder (session.json, the control socket) (env WATCHDOG_RACK_DIR)",
        DefaultValueFactory = _ => LiveRack.DefaultSessionDirectory,
    };

    private static Command Up()
    {
        var dir = SessionDirectory();
        var boards = new Option<int>("--boards") { Description = "1, or 2: a pair of boards (rack1 preferred, rack1-b)", DefaultValueFactory = _ => 1 };
        var heartbeat = new Option<int>("--heartbeat-ms") { Description = "Heartbeat period in ms (detection timeout is three periods)", DefaultValueFactory = _ => 50 };
        var failback = new Option<int>("--failback-stable-ms") { Description = "Automatic failback once the preferred member has been healthy this long (0: manual, `watchdogctl failback`)", DefaultValueFactory = _ => 0 };
        var command = new Command("up", "Start the virtual rack (as root: mosquitto with users and ACL, the board, two servers with agents behind a virtual IP) and keep it running") { dir, boards, heartbeat, failback };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(boards) is not (1 or 2))
            {
                Console.Error.WriteLine($"watchdogctl: --boards {result.GetValue(boards)}: a rack has 1 board or a pair (2)");
                return 2;
            }

            var options = new RackClusterOptions
            {
                Broker = BrokerKind.Mosquitto,
                SecureBroker = true,
                Boards = result.GetValue(boards),
                HeartbeatPeriodMs = result.GetValue(heartbeat),
                FailbackStableMs = result.GetValue(failback),
            };
            await LiveRack.RunAsync(options, result.GetValue(dir)!, Console.Out.WriteLine, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Fault()
    {
        var dir = SessionDirectory();
        var fault = new Argument<string>("fault") { Description = "A fault of the bench (agent-crash, hang, power-loss, link-loss, ...), or of a board (board-crash, ...)" };
        var target = new Argument<string>("target") { Description = "The node (or, for a board fault, the board) that suffers it" };
        var command = new Command("fault", "Inject a fault into the running rack") { fault, target, dir };
        command.SetAction((result, ct) => SendAsync(result.GetValue(dir)!, new LiveRackRequest(LiveRackVerb.Fault, result.GetValue(fault), result.GetValue(target)), ct));
        return command;
    }

    private static Command Recover()
    {
        var dir = SessionDirectory();
        var target = new Argument<string>("target") { Description = "The node or board whose last fault ends (power back, thawed, link up, board restarted)" };
        var command = new Command("recover", "Give a node or board of the running rack back what its last fault took") { target, dir };
        command.SetAction((result, ct) => SendAsync(result.GetValue(dir)!, new LiveRackRequest(LiveRackVerb.Recover, Target: result.GetValue(target)), ct));
        return command;
    }

    private static Command Down()
    {
        var dir = SessionDirectory();
        var command = new Command("down", "End the running rack") { dir };
        command.SetAction((result, ct) => SendAsync(result.GetValue(dir)!, new LiveRackRequest(LiveRackVerb.Down), ct));
        return command;
    }

    // 0: done; 1: the rack refused (the reason printed).
    private static async Task<int> SendAsync(string dir, LiveRackRequest request, CancellationToken ct)
    {
        var (ok, detail) = await LiveRackClient.SendAsync(dir, request, ct).ConfigureAwait(false);
        (ok ? Console.Out : Console.Error).WriteLine(ok ? detail : $"watchdogctl: {detail}");
        return ok ? 0 : 1;
    }
}
