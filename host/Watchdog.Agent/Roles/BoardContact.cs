using Watchdog.Agent.Status;

namespace Watchdog.Agent.Roles;

/// <summary>
/// When the agent last heard from its board (a live grant or request, a live channel reading
/// about this node, a ROLE wire change). Silence for longer than Board:LostAfterMs sets BoardLost
/// and raises a critical event: the node keeps its role (nobody else can be promoted without
/// a confirmed fence), but automatic failover is gone until the board is back.
/// </summary>
public sealed class BoardContact
{
    private readonly AgentStatus _status;
    private readonly IAgentEvents _events;
    private readonly TimeProvider _time;
    private readonly long _lostAfterMs;
    private long _lastHeardTicks;
    private int _lost;

    public BoardContact(AgentStatus status, IAgentEvents events, TimeProvider time, long lostAfterMs)
    {
        _status = status;
        _events = events;
        _time = time;
        _lostAfterMs = lostAfterMs;
        _lastHeardTicks = time.GetTimestamp();
    }

    public void Heard(string what)
    {
        Interlocked.Exchange(ref _lastHeardTicks, _time.GetTimestamp());
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
}
