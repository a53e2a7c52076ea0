using System.CommandLine;
using Watchdog.Lab;
using Watchdog.Lab.Rack;
using Watchdog.Lab.Sites;
using Watchdog.Postgres;
using Watchdog.Sites.Config;

namespace Watchdog.Cli.Commands.Dr;

/// <summary>
/// `watchdogctl dr drill [--json] [--runs N]`: the lab's two ticketed sites, a planned switch and
/// the loss of the whole active site, measured (<see cref="SiteDrill"/>). With --json the
/// readable report goes to stderr and stdout holds only the figures, one JSON line per run, so
/// `dr drill --json > f.json` gives `dr report --figures f.json` its file.
/// Exit codes: 0 every run done with no overlap; 1 both sites ran the active at once in a run
/// (a safety failure); 2 the drill cannot run here (not root, a program missing, bad --runs);
/// 3 a site did not settle or take over in time (or a database did not replicate across).
/// </summary>
public static class DrDrillCommand
{
    public const int ExitOverlap = 1;
    public const int ExitCannotRun = 2;
    public const int ExitFailed = 3;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print each run's figures as one JSON line on stdout (the report goes to stderr): the file `dr report --figures` reads" };
        var runs = new Option<int>("--runs") { Description = "How many drills to run, each on freshly started sites (1-20)", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "Also print the racks' progress while they start and switch" };
        var saveConfig = new Option<string?>("--save-config") { Description = "Write the DR configuration the drilled sites ran to this file, for `dr report --config <file> --figures <drill output>`" };
        var mode = new Option<string>("--postgres-mode") { Description = "The sites' PostgreSQL replication across the link: sync (an acknowledged commit is at the other site) or async", DefaultValueFactory = _ => "sync" };
        var command = new Command("drill", "As root: start the lab's two ticketed sites with PostgreSQL, switch the group east -> west as planned, then lose the whole active site; print the site RTO, lost rows, overlap, epochs and tier")
        {
            json, runs, verbose, saveConfig, mode,
        };
        command.SetAction((result, ct) => RunAsync(result.GetValue(json), result.GetValue(runs), result.GetValue(verbose), result.GetValue(saveConfig), Console.Out, Console.Error, ct, result.GetValue(mode)!));
        return command;
    }

    /// <summary>What the command does, with its writers (tests run it with their own).</summary>
    public static async Task<int> RunAsync(bool json, int runs, bool verbose, string? saveConfig, TextWriter stdout, TextWriter stderr, CancellationToken ct, string postgresMode = "sync")
    {
        if (runs is < 1 or > 20)
        {
            stderr.WriteLine($"watchdogctl: --runs {runs}: must be 1..20 (each run starts two racks and three etcd members, about a minute or two)");
            return ExitCannotRun;
        }

        ReplicationMode mode;
        try
        {
            mode = RackPostgres.ParseMode(postgresMode);
        }
        catch (FormatException e)
        {
            stderr.WriteLine("watchdogctl: " + e.Message);
            return ExitCannotRun;
        }

        if (SiteDrill.Missing() is { } missing)
        {
            stderr.WriteLine("watchdogctl: " + missing);
            return ExitCannotRun;
        }

        TextWriter report = json ? stderr : stdout;
        int exit = 0;
        for (int run = 1; run <= runs; run++)
        {
            if (runs > 1)
            {
                report.WriteLine($"run {run} of {runs}");
            }

            DrillFigure figure;
            try
            {
                figure = await SiteDrill.RunAsync(report, verbose ? report : TextWriter.Null, saveConfig, ct, mode).ConfigureAwait(false);
            }
            catch (Exception e) when (e is LabFailedException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
            {
                stderr.WriteLine($"watchdogctl: dr drill run {run}: {e.Message}");
                return ExitFailed;
            }

            if (json)
            {
                stdout.WriteLine(figure.ToJsonLine());
                stdout.Flush();
            }

            if (figure.WithNested().Any(f => f.OverlapMs > 0))
            {
                exit = ExitOverlap;
            }
        }

        return exit;
    }
}
