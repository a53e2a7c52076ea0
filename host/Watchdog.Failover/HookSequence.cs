using Microsoft.Extensions.Logging;
using Watchdog.Platform.Processes;

namespace Watchdog.Failover;

/// <summary>
/// Runs one hook list in its configured order, one hook at a time. The exit-code contract:
/// 0 is success; any other code, a timeout or a failure to start is a failure. Each hook's
/// bounded output goes to the log and into the step report.
/// </summary>
internal sealed class HookSequence
{
    private readonly HookSetOptions _options;
    private readonly IProcessRunner _runner;
    private readonly ILogger _logger;

    public HookSequence(HookSetOptions options, IProcessRunner runner, ILogger logger)
    {
        _options = options;
        _runner = runner;
        _logger = logger;
    }

    /// <summary>Runs the hooks; returns the first failed step, or null when all passed.</summary>
    /// <param name="list">"promote" or "demote", for step names.</param>
    /// <param name="stopOnFailure">Promote stops at the first failure; demote runs them all.</param>
    public async Task<StepReport?> RunAsync(string list, IReadOnlyList<HookOptions> hooks, IReadOnlyDictionary<string, string> environment, bool stopOnFailure, List<StepReport> steps, CancellationToken ct)
    {
        StepReport? firstFailure = null;
        for (int i = 0; i < hooks.Count; i++)
        {
            HookOptions hook = hooks[i];
            var request = new ProcessRequest(
                hook.Path,
                hook.Args,
                environment,
                TimeSpan.FromMilliseconds(hook.TimeoutMs),
                TimeSpan.FromMilliseconds(_options.KillGraceMs),
                _options.OutputLimitBytes);
            string step = $"{list} hook {i} ({hook.DisplayName})";
            _logger.LogDebug("Running {Step}: {Command}", step, request.CommandLine);
            ProcessOutcome outcome = await _runner.RunAsync(request, ct).ConfigureAwait(false);
            var report = new StepReport(step, outcome.Succeeded, outcome.Describe(request.Timeout), outcome.Took, JoinOutput(outcome));
            steps.Add(report);
            if (report.Ok)
            {
                _logger.LogInformation("{Step}: {Detail} in {Ms} ms{Output}", step, report.Detail, (long)report.Took.TotalMilliseconds, Indented(report.Output));
                continue;
            }

            _logger.LogWarning("{Step} FAILED: {Detail} after {Ms} ms{Output}", step, report.Detail, (long)report.Took.TotalMilliseconds, Indented(report.Output));
            firstFailure ??= report;
            if (stopOnFailure)
            {
                break;
            }
        }

        return firstFailure;
    }

    internal static string JoinOutput(ProcessOutcome outcome)
    {
        if (outcome.Stdout.Length == 0 && outcome.Stderr.Length == 0)
        {
            return "";
        }

        if (outcome.Stderr.Length == 0)
        {
            return "stdout: " + outcome.Stdout;
        }

        return outcome.Stdout.Length == 0 ? "stderr: " + outcome.Stderr : "stdout: " + outcome.Stdout + "\nstderr: " + outcome.Stderr;
    }

    private static string Indented(string output) => output.Length == 0 ? "" : "\n  " + output.Replace("\n", "\n  ", StringComparison.Ordinal);
}
