using Watchdog.Agent.Configuration;
using Watchdog.Agent.Status;

namespace Watchdog.Agent.Checks;

/// <summary>
/// Runs one check: probe every IntervalMs with a TimeoutMs deadline, apply the thresholds,
/// write the result into AgentStatus, and on a change of state carry out the check's actions.
/// </summary>
public sealed class CheckRunner : IDisposable
{
    private readonly CheckOptions _check;
    private readonly IProbe _probe;
    private readonly AgentStatus _status;
    private readonly CheckActions _actions;
    private readonly TimeProvider _time;
    private readonly Hysteresis _hysteresis;

    public CheckRunner(CheckOptions check, IProbe probe, AgentStatus status, CheckActions actions, TimeProvider time)
    {
        _check = check;
        _probe = probe;
        _status = status;
        _actions = actions;
        _time = time;
        _hysteresis = new Hysteresis(check.FailThreshold, check.SuccessThreshold);
        status.Declare(check.Name, check.Required, check.GatesPromotion, check.RequiredWhen == RequiredWhenWords.Active);
    }

    public string Name => _check.Name;

    public IProbe Probe => _probe;

    public CheckState State => _hysteresis.State;

    public async Task RunAsync(CancellationToken stopping)
    {
        if (_probe is IBackgroundProbe background)
        {
            background.Start(stopping);
        }

        while (!stopping.IsCancellationRequested)
        {
            long started = _time.GetTimestamp();
            await RunOnceAsync(stopping).ConfigureAwait(false);
            TimeSpan left = TimeSpan.FromMilliseconds(_check.IntervalMs) - _time.GetElapsedTime(started);
            try
            {
                await Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One probe, thresholds and actions. Public for tests that step a check by hand.</summary>
    public async Task<ProbeOutcome> RunOnceAsync(CancellationToken stopping)
    {
        ProbeOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            timeout.CancelAfter(TimeSpan.FromMilliseconds(_check.TimeoutMs));
            try
            {
                outcome = await _probe.ProbeAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                outcome = ProbeOutcome.Fail("timed out after " + _check.TimeoutMs + " ms");
            }
            catch (OperationCanceledException)
            {
                return ProbeOutcome.Fail("agent stopping");
            }
            catch (Exception ex)
            {
                // A probe bug must show up as a failed check with a reason, not kill the agent.
                outcome = ProbeOutcome.Fail("probe error: " + ex.GetType().Name + ": " + ex.Message);
            }
        }

        CheckState before = _hysteresis.State;
        bool changed = _hysteresis.Apply(outcome.Ok);
        CheckState now = _hysteresis.State;
        string detail = outcome.Detail;
        if (now == CheckState.Passing && !outcome.Ok)
        {
            detail += " (not counted as failing yet: needs " + _check.FailThreshold + " in a row)";
        }
        else if (now == CheckState.Failing && outcome.Ok)
        {
            detail += " (still failing: needs " + _check.SuccessThreshold + " passes in a row)";
        }

        _status.SetCheck(_check.Name, now == CheckState.Passing, detail);
        if (changed && now == CheckState.Failing)
        {
            _actions.OnFailing(outcome.Detail, stopping);
        }
        else if (changed && now == CheckState.Passing && before == CheckState.Failing)
        {
            _actions.OnRecovered(outcome.Detail);
        }

        return outcome;
    }

    public void Dispose() => _probe.Dispose();
}
