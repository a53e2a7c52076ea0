using Watchdog.Agent.Configuration;
using Watchdog.Agent.Status;

namespace Watchdog.Agent.Checks;

/// <summary>
/// What a check does when it turns failing: publish an alert, run a remediation command with a
/// timeout, restart a systemd unit. (Stopping the heartbeat needs no action: a failing required
/// check closes the gate by itself.) Remediation runs beside the check loop, one at a time per check,
/// so a slow script neither delays the next probe nor piles up copies of itself.
/// </summary>
public sealed class CheckActions
{
    private readonly CheckOptions _check;
    private readonly IAgentEvents _events;
    private readonly string _systemctl;
    private int _running;

    public CheckActions(CheckOptions check, IAgentEvents events, string systemctl = "systemctl")
    {
        _check = check;
        _events = events;
        _systemctl = systemctl;
    }

    /// <summary>The last remediation's task (tests wait on it).</summary>
    public Task LastRemediation { get; private set; } = Task.CompletedTask;

    public void OnFailing(string detail, CancellationToken stopping)
    {
        if (_check.Actions.Alert)
        {
            _events.Raise(
                "check-failing",
                _check.Required ? Severity.Alert : Severity.Warning,
                _check.Name + (_check.Required ? RequiredNote() : _check.GatesPromotion ? " (gates promotion: not ready, the board will not make this node active)" : "") + ": " + detail);
        }

        if (_check.Actions.Remediate.Length == 0 && _check.Actions.RestartUnit.Length == 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            _events.Raise("remediation-skipped", Severity.Warning, _check.Name + ": the previous remediation is still running");
            return;
        }

        LastRemediation = Task.Run(() => RemediateAsync(stopping), CancellationToken.None);
    }

    /// <summary>What a failing required check does: the status decides, by role, whether the heartbeat stops.</summary>
    private string RequiredNote() => _check.RequiredWhen == RequiredWhenWords.Active
        ? " (required while active: the heartbeat stops on the active, goes on on a standby)"
        : " (required: heartbeat stopped)";

    public void OnRecovered(string detail)
    {
        if (_check.Actions.Alert)
        {
            _events.Raise("check-recovered", Severity.Info, _check.Name + (_check.GatesPromotion ? " (gates promotion: ready again)" : "") + ": " + detail);
        }
    }

    private async Task RemediateAsync(CancellationToken stopping)
    {
        try
        {
            if (_check.Actions.Remediate.Length > 0)
            {
                RunResult r = await ProcessRunner.ShellAsync(_check.Actions.Remediate, _check.Actions.RemediateTimeoutMs, stopping).ConfigureAwait(false);
                Report("remediation", r);
            }

            if (_check.Actions.RestartUnit.Length > 0)
            {
                RunResult r = await ProcessRunner.RunAsync(_systemctl, new[] { "restart", _check.Actions.RestartUnit }, _check.Actions.RemediateTimeoutMs, stopping).ConfigureAwait(false);
                Report("restart of " + _check.Actions.RestartUnit, r);
            }
        }
        catch (OperationCanceledException)
        {
            // The agent is stopping.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private void Report(string what, RunResult r)
    {
        if (!r.Started)
        {
            _events.Raise("remediation-failed", Severity.Alert, _check.Name + ": " + what + ": " + r.StartError);
        }
        else if (r.TimedOut)
        {
            _events.Raise("remediation-failed", Severity.Alert, _check.Name + ": " + what + " killed after " + _check.Actions.RemediateTimeoutMs + " ms");
        }
        else if (r.ExitCode != 0)
        {
            _events.Raise("remediation-failed", Severity.Alert, _check.Name + ": " + what + " exited " + r.ExitCode + (r.Output.Length > 0 ? ": " + Tail(r.Output) : ""));
        }
        else
        {
            _events.Raise("remediation-done", Severity.Info, _check.Name + ": " + what + " succeeded");
        }
    }

    private static string Tail(string s) => s.Length > 200 ? s[^200..] : s;
}
