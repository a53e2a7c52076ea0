using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Watches the rack from outside the core and records every breach of the safety rules (docs/safety-rules.md),
/// judged on what the simulated world does (who acts as active, what was persisted when), not on
/// what the core says about itself:
/// rule 1: never two members of an active-standby group acting as active (a member acting on a
/// grant no board sealed, which only a scenario's forgery makes, is not the board's doing);
/// rule 2: an active grant only while no other member acts as active (beside a forged active only
/// the member already acting as active may be granted again);
/// rule 3: a grant's epoch is persisted before it is published and rounds strictly increase;
/// quiet: no automatic reset/power action and no agent request in the board's grace, a node's boot grace or maintenance;
/// absent: no automatic reset/power action on a server whose agent never ran (not installed yet);
/// rule 5: wire actions per channel within any cap window stay at or below the cap plus the final hold;
/// power cycles: the power button is never pressed before its power cycle was persisted as under way;
/// replay: a command id is accepted at most once;
/// rule 11: active is never granted to a member whose latest state the board had said it is not
/// ready to be promoted (granting it again to the member that holds the role, or held it last in
/// an active-standby group, as when a switchover away from it is aborted, is not a promotion);
/// rule 12: in a group with a site ticket, active is never granted while the glue's last word is
/// that the site does not hold it, every grant while it is held is above the epoch floor passed with it,
/// and after a loss no server acts as active for longer than demote_ack_timeout_ms +
/// fence_confirm_ms + a tick (counted from the loss, from when it began acting, and from the end
/// of any quiet time, when nothing automatic may be done to it; a last healthy member the group
/// may not fence is only alerted on; a member acting on a grant no board sealed is left to rule 9).
/// </summary>
internal sealed class Referee
{
    private readonly Rack _rack;
    private readonly Dictionary<string, long> _roundEpoch = new(StringComparer.Ordinal);
    private readonly List<long>[] _actions;
    private readonly bool[] _quietBefore;
    private readonly long[] _commandedUntil;
    private readonly ChannelState[] _stateBefore;
    private readonly long[] _powerRise;
    private readonly long[] _stuckReported;
    private long _persisted;
    private long _boardStartTick;
    private string _lastOverlap = "";

    public Referee(Rack rack)
    {
        _rack = rack;
        _actions = rack.Config.Channels.Select(_ => new List<long>()).ToArray();
        _quietBefore = new bool[rack.Config.Channels.Length];
        _commandedUntil = new long[rack.Config.Channels.Length];
        _stateBefore = new ChannelState[rack.Config.Channels.Length];
        _powerRise = new long[rack.Config.Channels.Length];
        _stuckReported = Enumerable.Repeat(-1L, rack.Config.Channels.Length).ToArray();
        _actingSince = Enumerable.Repeat(-1L, rack.Config.Channels.Length).ToArray();
        _lastQuiet = new long[rack.Config.Channels.Length];
        _lastUnfenceable = new long[rack.Config.Channels.Length];
        _ticketReported = Enumerable.Repeat(-1L, rack.Config.Channels.Length).ToArray();
    }

    public List<string> Violations { get; } = new();

    /// <summary>Grants published per group (a round counts once).</summary>
    public int Rounds { get; private set; }

    public int WireActions => _actions.Sum(a => a.Count);

    public int GraceTicks => (_rack.Config.Timing.BoardBootGraceMs + _rack.Config.Timing.TickMs - 1) / _rack.Config.Timing.TickMs;

    private readonly HashSet<string> _acceptedCommands = new(StringComparer.Ordinal);

    /// <summary>replay: a command id is carried out at most once, however often it is delivered.</summary>
    public void CommandAccepted(string id)
    {
        if (!_acceptedCommands.Add(id))
        {
            Violation($"command {id} accepted twice (a replay was carried out)");
        }
    }

    private void Violation(string what)
    {
        Violations.Add($"{_rack.Stamp()} {what}");
        _rack.Note("VIOLATION " + what);
    }

    // The latest state of each agent the current board took in (by the core's own rule: not older than the last one).
    private readonly Dictionary<string, NodeState> _heard = new(StringComparer.Ordinal);

    public void StateDelivered(NodeState s)
    {
        if (!_heard.TryGetValue(s.Node, out var last) || s.Timestamp >= last.Timestamp)
        {
            _heard[s.Node] = s;
        }
    }

    public void BoardRestarted()
    {
        // A new board knows only the states delivered to it from now on.
        _heard.Clear();

        // The ladder record carries the ladder's own wire actions across a restart (scenario
        // board-restart-loop-keeps-the-cap), but not a STONITH hold the board was in when it died:
        // such a hold counts as a ladder attempt only when it is released, which the dead board
        // never did. So the referee counts afresh after a restart, and the cap across restarts is
        // checked by that scenario's golden output instead.
        foreach (var list in _actions)
        {
            list.Clear();
        }

        _boardStartTick = _rack.TotalTicks;
    }

    public void BeforeTick()
    {
        bool boardGrace = _rack.TotalTicks - _boardStartTick + 1 < GraceTicks;
        for (int i = 0; i < _quietBefore.Length; i++)
        {
            var state = _rack.Core.Channel(i).State;
            _stateBefore[i] = state;
            _quietBefore[i] = boardGrace || state == ChannelState.Booting || state == ChannelState.Maintenance || state == ChannelState.Unknown;
            if (_quietBefore[i])
            {
                _lastQuiet[i] = _rack.TotalTicks + 1;
            }
        }
    }

    public void Persisted(long epoch)
    {
        if (epoch <= _persisted)
        {
            Violation($"epoch {epoch} persisted after {_persisted}: epochs must only grow");
        }

        _persisted = epoch;
    }

    public void GrantPublished(Grant g)
    {
        if (g.Epoch > _persisted)
        {
            Violation($"grant {g.Node} epoch {g.Epoch} published before it was persisted (persisted {_persisted})");
        }

        if (_roundEpoch.TryGetValue(g.Group, out var last) && g.Epoch != last && g.Epoch < last)
        {
            Violation($"grant {g.Node} epoch {g.Epoch} below the group's previous round {last}");
        }

        if (!_roundEpoch.TryGetValue(g.Group, out last) || g.Epoch != last)
        {
            Rounds++;
        }

        _roundEpoch[g.Group] = g.Epoch;
        var group = _rack.Config.Groups.First(x => x.Name == g.Group);
        CheckActiveGrant(g, group);
        CheckReadiness(g);
        if (group.SiteTicket)
        {
            CheckTicketGrant(g, group);
        }

        if (g.Role == NodeRole.Active) { _lastGrantActive.Add(g.Node); _lastActive[g.Group] = g.Node; } else { _lastGrantActive.Remove(g.Node); }
        if (g.Role == NodeRole.Active)
        {
            _activeGrantee[g.Group] = g.Node;
        }
        else if (_activeGrantee.TryGetValue(g.Group, out string? grantee) && grantee == g.Node)
        {
            _activeGrantee.Remove(g.Group);
        }
    }

    // Who the last active grant of each group went to: granting it again is not a promotion.
    private readonly Dictionary<string, string> _activeGrantee = new(StringComparer.Ordinal);

    private void CheckActiveGrant(Grant g, GroupConfig group)
    {
        if (g.Role == NodeRole.Active && group.Mode == GroupMode.ActiveStandby)
        {
            foreach (var member in group.Members.Where(m => m != g.Node))
            {
                // An active acting on a grant no board sealed is the intruder's doing, not the board's:
                // the board may keep (re-grant) the member that already acts as active, or was
                // granted it last, beside it, but never promote anyone new past it.
                bool kept = _rack.Server(g.Node).ActsActive || (_activeGrantee.TryGetValue(g.Group, out string? grantee) && grantee == g.Node);
                bool keptBesideForged = _rack.Server(member).Unproven && kept;
                if (_rack.Server(member).ActsActive && !keptBesideForged)
                {
                    Violation($"{g.Node} granted active while {member} still acts as active (STONITH before takeover)");
                }
            }
        }
    }

    // Members whose last grant was active: a round that grants them active again keeps the role, it promotes nobody.
    private readonly HashSet<string> _lastGrantActive = new(StringComparer.Ordinal);

    // The member each group last granted active, kept while it steps down: nobody else has held the role since.
    private readonly Dictionary<string, string> _lastActive = new(StringComparer.Ordinal);

    private void CheckReadiness(Grant g)
    {
        if (g.Role != NodeRole.Active || !_heard.TryGetValue(g.Node, out var state) || state.Ready)
        {
            return;
        }

        bool incumbent = _rack.Server(g.Node).ActsActive || _lastGrantActive.Contains(g.Node)
            || (_lastActive.TryGetValue(g.Group, out string? last) && last == g.Node && _rack.Config.Groups.First(x => x.Name == g.Group).Mode == GroupMode.ActiveStandby);
        if (!incumbent)
        {
            Violation($"{g.Node} granted active although its latest state said it is not ready ({state.Reason})");
        }
    }

    public void RequestPublished(AgentRequest q)
    {
        int i = Array.FindIndex(_rack.Servers, s => s.Node == q.Node);
        if (i >= 0 && Quiet(i) && !_rack.InCommand)
        {
            Violation($"agent request to {q.Node} while it was quiet (grace or maintenance)");
        }
    }

    // Quiet before this tick, unless its boot grace ended in this very tick (booting -> failed may be acted on at once).
    private bool Quiet(int channel)
    {
        bool graceEndedNow = _stateBefore[channel] == ChannelState.Booting && _rack.Core.Channel(channel).State != ChannelState.Booting;
        return _quietBefore[channel] && !(graceEndedNow && _rack.Core.Settled);
    }

    /// <summary>A command acted on this channel: a commanded reset or power cycle runs on by itself (release, confirm, press) and is not automatic.</summary>
    public void Commanded(int channel)
    {
        var t = _rack.Config.Timing;
        _commandedUntil[channel] = _rack.TotalTicks + ((t.PowerHoldMs + t.PowerOffConfirmMs + t.PowerOffWaitMs + t.PowerPressMs) / t.TickMs) + 2;
        _actions[channel].Clear();
    }

    public void RelayChanged(int channel, int before, int after, bool fromCommand)
    {
        bool resetRise = (before & 1) == 0 && (after & 1) != 0;
        bool powerRise = (before & 2) == 0 && (after & 2) != 0;
        if (powerRise)
        {
            _powerRise[channel] = _rack.TotalTicks;

            // Every press belongs to a power cycle the glue made durable first, so a board restart
            // in the middle of it can finish it instead of leaving the server off.
            string name = _rack.Config.Channels[channel].Name;
            if (!_rack.PersistedLadder.Split(' ').Contains("cycling:" + name))
            {
                Violation($"power pressed on {_rack.Servers[channel].Node} before its power cycle was made durable (persisted: '{_rack.PersistedLadder}')");
            }
        }

        if (fromCommand)
        {
            Commanded(channel);
            return;
        }

        if ((resetRise || powerRise) && Quiet(channel) && _rack.TotalTicks > _commandedUntil[channel])
        {
            Violation($"{(resetRise ? "reset" : "power")} asserted on {_rack.Servers[channel].Node} while it was quiet (grace or maintenance)");
        }

        if ((resetRise || powerRise) && !_rack.Servers[channel].AgentEverRan)
        {
            Violation($"{(resetRise ? "reset" : "power")} asserted on {_rack.Servers[channel].Node}, whose agent never ran (absent: nothing may be done to it automatically)");
        }

        bool powerFall = (before & 2) != 0 && (after & 2) == 0;

        // A power action counts when the button was held long enough to force the server off (a short press powers on).
        bool forcedOff = powerFall && (_rack.TotalTicks - _powerRise[channel]) * _rack.Config.Timing.TickMs >= 4000;
        // Holding reset on a server without power does nothing to it: not a reset.
        if ((resetRise && _rack.Servers[channel].PoweredOn) || forcedOff)
        {
            var list = _actions[channel];
            list.Add(_rack.TotalTicks);
            long window = (_rack.Config.Escalation.CapWindowMs + _rack.Config.Timing.TickMs - 1) / _rack.Config.Timing.TickMs;
            int inWindow = list.Count(t => t > _rack.TotalTicks - window);
            if (inWindow > _rack.Config.Escalation.CapAttempts + 1)
            {
                Violation($"{inWindow} wire actions on {_rack.Servers[channel].Node} within one cap window (cap {_rack.Config.Escalation.CapAttempts} + the final hold)");
            }
        }
    }

    public void AfterOutput()
    {
        // The power button is pressed or held for a forced off, never longer: a stuck button keeps a server off.
        var timing = _rack.Config.Timing;
        long limit = ((long)timing.PowerHoldMs / timing.TickMs) + 2;
        for (int i = 0; i < _powerRise.Length; i++)
        {
            bool held = (_rack.Core.Output.Relay(i).Mask & 2) != 0;
            if (held && _rack.TotalTicks - _powerRise[i] > limit && _powerRise[i] != _stuckReported[i])
            {
                _stuckReported[i] = _powerRise[i];
                Violation($"power button on {_rack.Servers[i].Node} held for more than power_hold_ms");
            }
        }

        foreach (var group in _rack.Config.Groups.Where(g => g.SiteTicket))
        {
            CheckTicketLoss(group);
        }

        foreach (var group in _rack.Config.Groups.Where(g => g.Mode == GroupMode.ActiveStandby))
        {
            // Members acting on a grant no board sealed (a forged grant a scenario injects) are the
            // attacker's overlap; the board's part is to end it, which the scenario's output shows.
            var acting = group.Members.Where(m => _rack.Server(m).ActsActive && !_rack.Server(m).Unproven).ToList();
            string text = acting.Count > 1 ? $"two actives in {group.Name}: {string.Join(", ", acting)}" : "";
            if (text.Length > 0 && text != _lastOverlap)
            {
                Violation(text);
            }

            _lastOverlap = text;
        }
    }

    // Rule 12, the site ticket: when the glue said it was lost (absent: never held since the rack
    // started), the highest floor it passed with an acquisition, and per channel since when its
    // server acts as active, the tick its last quiet time ended (and its last time as a last
    // healthy member the group may not fence), and which stretch was reported.
    private readonly Dictionary<string, long> _ticketLostAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ticketFloor = new(StringComparer.Ordinal);
    private readonly long[] _actingSince;
    private readonly long[] _lastQuiet;
    private readonly long[] _lastUnfenceable;
    private readonly long[] _ticketReported;

    /// <summary>The glue said the site holds (or lost) <paramref name="group"/>'s ticket, after ContinueAbove(<paramref name="floor"/>) when above 0.</summary>
    public void TicketChanged(string group, bool held, long floor)
    {
        if (held)
        {
            _ticketLostAt.Remove(group);
            if (floor > _ticketFloor.GetValueOrDefault(group))
            {
                _ticketFloor[group] = floor;
            }
        }
        else if (!_ticketLostAt.ContainsKey(group))
        {
            _ticketLostAt[group] = _rack.TotalTicks;
        }
    }

    private void CheckTicketGrant(Grant g, GroupConfig group)
    {
        if (g.Role == NodeRole.Active && !_rack.TicketHeld(group.Name))
        {
            Violation($"{g.Node} granted active while the site does not hold the site ticket of {group.Name}");
        }

        // While the ticket is held: a grant made without it (a standby round) only has to be above
        // this board's own epochs, which rule 3 checks.
        if (_rack.TicketHeld(group.Name) && _ticketFloor.TryGetValue(group.Name, out long floor) && g.Epoch <= floor)
        {
            Violation($"grant {g.Node} epoch {g.Epoch} not above the site ticket floor {floor} of {group.Name}");
        }
    }

    private void CheckTicketLoss(GroupConfig group)
    {
        var t = _rack.Config.Timing;
        long bound = Ceiling(t.DemoteAckTimeoutMs, t.TickMs) + Ceiling(t.FenceConfirmMs, t.TickMs) + 1;
        bool lost = _ticketLostAt.TryGetValue(group.Name, out long lostAt);
        foreach (string node in group.Members)
        {
            int i = Array.FindIndex(_rack.Servers, s => s.Node == node);
            // A member acting on a grant no board sealed is the intruder's doing, as for rule 1
            // (rule 9 has the board end it once it hears the claim).
            if (!_rack.Servers[i].ActsActive || _rack.Servers[i].Unproven)
            {
                _actingSince[i] = -1;
                continue;
            }

            if (_actingSince[i] < 0)
            {
                _actingSince[i] = _rack.TotalTicks;
            }

            if (LastHealthyNotFenceable(group, node))
            {
                // Counted afresh once it may be fenced: the core acts on that at its next tick.
                _lastUnfenceable[i] = _rack.TotalTicks + 1;
            }

            long since = Math.Max(Math.Max(lostAt, _actingSince[i]), Math.Max(_lastQuiet[i], _lastUnfenceable[i]));
            if (!lost || _rack.TotalTicks - since <= bound || _ticketReported[i] == since)
            {
                continue;
            }

            _ticketReported[i] = since;
            Violation($"{node} still acts as active {(_rack.TotalTicks - since) * t.TickMs} ms after the site ticket of {group.Name} was lost (at most demote_ack_timeout_ms + fence_confirm_ms + a tick)");
        }
    }

    // The group may not fence its last healthy member: one alive on the wires (heartbeat fresh,
    // some power good) with no other member healthy and alive is alerted on, not held.
    private bool LastHealthyNotFenceable(GroupConfig group, string node)
    {
        if (group.AllowFenceLastHealthy)
        {
            return false;
        }

        for (int c = 0; c < _rack.Servers.Length; c++)
        {
            var view = _rack.Core.Channel(c);
            bool alive = AliveOnWires(c);
            if (view.Node == node && !alive)
            {
                return false;
            }

            if (view.Node != node && group.Members.Contains(view.Node) && view.State == ChannelState.Healthy && alive)
            {
                return false;
            }
        }

        return true;
    }

    private bool AliveOnWires(int channel)
    {
        var view = _rack.Core.Channel(channel);
        var t = _rack.Config.Timing;
        bool power = Enumerable.Range(0, _rack.Config.Channels[channel].PowerGoodInputs).Any(view.PowerGood);
        return power && view.HeartbeatAgeTicks < Ceiling(t.HeartbeatSuspectMs, t.TickMs);
    }

    private static long Ceiling(int ms, int tickMs) => (ms + tickMs - 1) / tickMs;
}
