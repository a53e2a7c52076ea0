using Watchdog.Agent.Status;

namespace Watchdog.Agent.Roles;

/// <summary>
/// When the agent last heard from its board (a live grant or request, a live channel reading
/// about this node, a ROLE wire change). Silence for longer than Board:LostAfterMs sets BoardLost
/// and raises a critical event: the node keeps its role (nobody else can be promoted without
/// a confirmed fence), but automatic failover is gone until the board is back. In a group that
/// spans sites an active also steps down after Board:DemoteWhenSilentMs of silence
/// (<see cref="ShouldStepDown"/>): its site may have lost the ticket meanwhile.
/// </summary>
public sealed class BoardContact
{
    private readonly AgentStatus _status;
    private readonly IAgentEvents _events;
    private readonly TimeProvider _time;
    private readonly long _lostAfterMs;
    private readonly long _demoteWhenSilentMs;
    private long _lastHeardTicks;
    private int _lost;
    private int _steppedDown;

    public BoardContact(AgentStatus status, IAgentEvents events, TimeProvider time, long lostAfterMs, long demoteWhenSilentMs = 0)
    {
        _status = status;
        _events = events;
        _time = time;
        _lostAfterMs = lostAfterMs;
        _demoteWhenSilentMs = demoteWhenSilentMs;
        _lastHeardTicks = time.GetTimestamp();
    }

    public void Heard(string what)
    {
        Interlocked.Exchange(ref _lastHeardTicks, _time.GetTimestamp());
        Interlocked.Exchange(ref _steppedDown, 0);
        if (Interlocked.Exchange(ref _lost, 0) == 1)
        {
            _status.SetBoardLost(false);
            _events.Raise("board-contact-restored", Severity.Info, "heard from the board again (" + what + ")");
        }
    }

    /// <summary>Called periodically; raises the alarm once per loss.</summary>
    public void Evaluate(NodeRole role)
    {
        if (_lostAfterMs <= 0)
        {
            return;
        }

        TimeSpan silent = _time.GetElapsedTime(Interlocked.Read(ref _lastHeardTicks));
        if (silent.TotalMilliseconds < _lostAfterMs || Interlocked.Exchange(ref _lost, 1) == 1)
        {
            return;
        }

        _status.SetBoardLost(true);
        _events.Raise(
            "board-lost",
            Severity.Critical,
            "nothing heard from the board for " + (long)silent.TotalSeconds + " s; keeping role " + WireWords.Of(role) +
            "; NO automatic failover is possible until the board is back (check the board's power, network and the broker)");
    }

    /// <summary>
    /// True once per silence when this node is active and the board has been silent for
    /// Board:DemoteWhenSilentMs (raises a critical event); the caller then demotes the node.
    /// </summary>
    public bool ShouldStepDown(NodeRole role)
    {
        if (_demoteWhenSilentMs <= 0 || role != NodeRole.Active)
        {
            return false;
        }

        TimeSpan silent = _time.GetElapsedTime(Interlocked.Read(ref _lastHeardTicks));
        if (silent.TotalMilliseconds < _demoteWhenSilentMs || Interlocked.Exchange(ref _steppedDown, 1) == 1)
        {
            return false;
        }

        _events.Raise(
            "board-silent-step-down",
            Severity.Critical,
            "nothing heard from the board for " + (long)silent.TotalMilliseconds + " ms (Board:DemoteWhenSilentMs " + _demoteWhenSilentMs
            + "): stepping down, since this site may have lost its site ticket without the board being able to say so");
        return true;
    }
}
