using System.CommandLine;
using Watchdog.Operator.Spof;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl spof &lt;files...&gt;`: the static single-point-of-failure check of a rack's
/// description (board and agent configurations, pin maps, a DR configuration, a topology file;
/// docs/spof.md). The reading and the judging are in Watchdog.Operator.Spof; this prints them.
/// Exit codes: 0 no single point of failure; 1 findings; 2 the files cannot be used (every problem is printed).
/// </summary>
public static class SpofCommand
{
    public const int ExitFindings = 1;
    public const int ExitUnusable = 2;

    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Board configurations, pin maps, agent configurations, a DR configuration, topology files (JSON), in any order", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var command = new Command("spof", "List every single point of failure in a rack's description, by layer (network, hardware, software, watchdog, site), each with its file, path and remedy")
        {
            files, json,
        };
        command.SetAction(result =>
        {
            var rack = RackFiles.Read(result.GetValue(files)!);
            if (rack.Errors.Count > 0)
            {
                foreach (string error in rack.Errors)
                {
                    Console.Error.WriteLine($"watchdogctl: {error}");
                }

                Console.Error.WriteLine($"watchdogctl: {rack.Errors.Count} problem(s); nothing was judged");
                return ExitUnusable;
            }

            var findings = SpofAnalysis.Find(rack);
            Console.Out.Write(result.GetValue(json) ? SpofReport.Json(rack, findings) + "\n" : SpofReport.Text(rack, findings));
            return findings.Count > 0 ? ExitFindings : 0;
        });
        return command;
    }
}
