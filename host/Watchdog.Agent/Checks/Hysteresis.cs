namespace Watchdog.Agent.Checks;

/// <summary>The state of a check after thresholds are applied.</summary>
public enum CheckState { Unknown, Passing, Failing }

/// <summary>
/// Turns raw probe results into a check state with hysteresis: FailThreshold consecutive
/// failures to turn failing, SuccessThreshold consecutive successes to turn passing. The very
/// first result decides at once (an agent that starts on a sick server must not feed the
/// heartbeat for FailThreshold intervals first).
/// </summary>
public sealed class Hysteresis(int failThreshold, int successThreshold)
{
    private int _fails;
    private int _successes;

    public CheckState State { get; private set; } = CheckState.Unknown;

    /// <summary>Feeds one probe result; returns true when the state changed.</summary>
    public bool Apply(bool ok)
    {
        CheckState before = State;
        if (ok)
        {
            _fails = 0;
            _successes++;
            if (State == CheckState.Unknown || (State == CheckState.Failing && _successes >= successThreshold))
            {
                State = CheckState.Passing;
            }
        }
        else
        {
            _successes = 0;
            _fails++;
            if (State == CheckState.Unknown || (State == CheckState.Passing && _fails >= failThreshold))
            {
                State = CheckState.Failing;
            }
        }

        return State != before;
    }
}
