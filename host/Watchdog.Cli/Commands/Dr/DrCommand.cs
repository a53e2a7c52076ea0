using System.CommandLine;
using Watchdog.Sites.Config;

namespace Watchdog.Cli.Commands.Dr;

/// <summary>
/// `watchdogctl dr check` and `watchdogctl dr report`: the DR configuration's rules and derived
/// timings, and each DR group's site kind, tier, objectives and drill figures (`dr drill`:
/// <see cref="DrDrillCommand"/>; `dr promote`: <see cref="DrPromoteCommand"/>).
/// Exit codes: 0 fine; 1 the report raised a flag (a missed objective, an overlap, a group never
/// drilled); 2 the configuration or the figures file cannot be used (every problem is printed).
/// </summary>
public static class DrCommand
{
    public const int ExitFlagged = 1;
    public const int ExitUnusable = 2;

    public static Command Create()
    {
        var dr = new Command("dr", "Disaster recovery across sites: check the DR configuration, report site kinds, tiers and drill figures");
        dr.Subcommands.Add(Check());
        dr.Subcommands.Add(Report());
        dr.Subcommands.Add(DrDrillCommand.Create());
        dr.Subcommands.Add(DrPromoteCommand.Create());
        return dr;
    }

    private static Option<string> ConfigOption() =>
        new("--config", "-c") { Description = "The DR configuration file (JSON; docs/dr.md)", Required = true };

    private static Command Check()
    {
        var config = ConfigOption();
        var command = new Command("check", "Validate a DR configuration and print the ticket timings it leads to: how long a cut-off active runs, the earliest takeover, the least site RTO")
        {
            config,
        };
        command.SetAction(result =>
        {
            string path = result.GetValue(config)!;
            if (Load(path) is not { } loaded)
            {
                return ExitUnusable;
            }

            Console.Out.Write(DrCheckText.Render(path, loaded));
            return 0;
        });
        return command;
    }

    private static Command Report()
    {
        var config = ConfigOption();
        var figures = new Option<string?>("--figures", "-f") { Description = "Drill results, one JSON object per line, as `watchdogctl dr drill --json` writes them" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var command = new Command("report", "Each DR group's site kind, SHARE tier, objectives and last drill figures; exits 1 when a group missed an objective or was never drilled")
        {
            config, figures, json,
        };
        command.SetAction(result =>
        {
            string path = result.GetValue(config)!;
            if (Load(path) is not { } loaded)
            {
                return ExitUnusable;
            }

            var drills = new List<DrillFigure>();
            if (result.GetValue(figures) is { } figuresPath)
            {
                List<string> errors;
                try
                {
                    (drills, errors) = DrillFigure.ReadLines(File.ReadLines(figuresPath));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    errors = [$"cannot be read: {ex.Message}"];
                }

                if (errors.Count > 0)
                {
                    foreach (string error in errors)
                    {
                        Console.Error.WriteLine($"watchdogctl: {figuresPath}: {error}");
                    }

                    return ExitUnusable;
                }
            }

            var report = DrReport.Build(loaded, drills);
            var unmatched = DrReport.Unmatched(loaded, drills);
            if (result.GetValue(json))
            {
                Console.WriteLine(DrReportView.ToJson(loaded, report, unmatched));
            }
            else
            {
                DrReportView.Render(loaded, report, unmatched);
            }

            return report.Any(r => r.Flags.Count > 0) ? ExitFlagged : 0;
        });
        return command;
    }

    /// <summary>Loads the configuration or prints every problem (one line each, path first) and returns null.</summary>
    internal static DrConfig? Load(string path)
    {
        var loaded = DrConfigLoader.Load(path);
        if (loaded.Config is null)
        {
            foreach (string error in loaded.Errors)
            {
                Console.Error.WriteLine($"watchdogctl: {path}: {error}");
            }

            Console.Error.WriteLine($"watchdogctl: {path}: {loaded.Errors.Count} problem(s) in the DR configuration");
        }

        return loaded.Config;
    }
}
