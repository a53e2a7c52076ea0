using System.Globalization;
using System.Text;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// A virtual rack around one WatchdogCore: simulated servers and agents, a broker that keeps
/// retained grants, durable epoch storage, and a referee that checks the safety rules on every
/// output. The glue's ordering (persist, relays, publish) is followed exactly. Board restarts
/// release every relay (fail-safe wiring) and build a new core from the persisted epoch.
/// </summary>
internal sealed class Rack
{
    public const long WallBase = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    private readonly Queue<Action> _pending = new();
    private readonly Dictionary<string, Grant> _retained = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _shownRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupRoles> _shownRolesMessage = new(StringComparer.Ordinal);

    /// <summary>Every roles message published, the periodic republishes included.</summary>
    public int RolesPublished { get; private set; }

    // The broker's retained state of each agent, with whether the grant it hands back checks out.
    private readonly Dictionary<string, (NodeState State, bool Proven)> _retainedStates = new(StringComparer.Ordinal);
    private readonly List<string> _log = new();
    private int[] _lastRelayMask;
    private bool _crashAfterPersist;

    public Rack(BoardConfig config, long persistedEpoch = 0, string? persistedCommissioned = null)
    {
        Config = config;
        Persisted = persistedEpoch;
        PersistedCommissioned = persistedCommissioned;
        Keys.Add("ops", KeyBytes);
        Servers = config.Channels.Select(c => new SimServer(c, config.Timing.TickMs, config.Timing.HeartbeatPeriodMs)).ToArray();
        Referee = new Referee(this);
        _lastRelayMask = new int[config.Channels.Length];
        Core = NewCore();
    }

    public static readonly byte[] KeyBytes = Encoding.UTF8.GetBytes("scenario-cluster-key-0123456789ab");

    public BoardConfig Config { get; }
    public WatchdogCore Core { get; private set; }
    public KeyRing Keys { get; } = new();
    public SimServer[] Servers { get; }
    public Referee Referee { get; }
    public long Persisted { get; private set; }

    /// <summary>The commissioning record kept with the epoch (CoreOutput.Commissioned); null: a store from before it.</summary>
    public string? PersistedCommissioned { get; private set; }

    /// <summary>The ladder record as last made durable (CoreOutput.Ladder).</summary>
    public string PersistedLadder { get; private set; } = "";
    public long TotalTicks { get; private set; }
    public long WallMs => WallBase + (TotalTicks * Config.Timing.TickMs);
    public bool Logging { get; set; } = true;
    public bool InCommand { get; private set; }
    public int BoardRestarts { get; private set; }

    public IReadOnlyList<string> Log => _log;

    public SimServer Server(string node) =>
        Servers.FirstOrDefault(s => s.Node == node) ?? throw new ArgumentException($"no server '{node}' in the rack");

    public Grant? RetainedGrant(string node) => _retained.TryGetValue(node, out var g) ? g : null;

    public string GroupOf(string node) => Config.Groups.FirstOrDefault(g => g.Members.Contains(node))?.Name ?? "";

    public void Note(string line)
    {
        if (Logging)
        {
            _log.Add($"{Stamp()} {line}");
        }
    }

    public string Stamp() => (TotalTicks * Config.Timing.TickMs / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) + "s";

    public void ClearLog() => _log.Clear();

    /// <summary>The next output that carries an epoch is persisted, then the board dies before driving or publishing it.</summary>
    public void ArmCrashAfterPersist() => _crashAfterPersist = true;

    public void Tick()
    {
        DeliverPending();
        for (int i = 0; i < Servers.Length; i++)
        {
            Servers[i].Advance(Core.Input.Channel(i), this);
        }

        Referee.BeforeTick();
        TotalTicks++;
        var output = Core.Tick(WallMs);
        Process(output, false);
    }

    public void Run(long ticks)
    {
        for (long i = 0; i < ticks; i++)
        {
            Tick();
        }
    }

    /// <summary>An agent publishes its state (retained on the broker, so a restarted board gets the last one).</summary>
    public void Step(NodeState m)
    {
        Step(m, !Server(m.Node).Unproven);
    }

    private void Step(NodeState m, bool proven)
    {
        _retainedStates[m.Node] = (m, proven);
        Referee.StateDelivered(m);
        Process(Core.Step(m, proven, WallMs), false);
    }

    public void Step(GrantAck m) => Process(Core.Step(m, WallMs), false);

    public void StepPresence(string node, Presence p) => Process(Core.StepPresence(node, p, WallMs), false);

    public void Command(SignedCommand c)
    {
        Note($"<- command {WireWords.Of(c.Action)} {c.Target}{(c.Argument.Length > 0 ? " " + c.Argument : "")} epoch={c.Epoch} id={c.Id}");
        InCommand = true;
        try
        {
            var output = Core.Step(c, WallMs);
            int channel = Array.FindIndex(Servers, s => s.Node == c.Target);
            for (int i = 0; i < output.Count; i++)
            {
                if (output.Entry(i).Message is CommandAck { Verdict: CommandVerdict.Accepted } accepted && accepted.Id == c.Id)
                {
                    Referee.CommandAccepted(c.Id);
                    if (channel >= 0)
                    {
                        Referee.Commanded(channel);
                    }
                }
            }

            LastCommand = c;

            Process(output, true);
        }
        finally
        {
            InCommand = false;
        }
    }

    // What the glue's ticket keeper last said for each site-ticket group, with the epoch floor it passed.
    private readonly Dictionary<string, (bool Held, long Floor)> _tickets = new(StringComparer.Ordinal);

    /// <summary>Whether this site holds <paramref name="group"/>'s site ticket, by the glue's last word.</summary>
    public bool TicketHeld(string group) => _tickets.TryGetValue(group, out var t) && t.Held;

    /// <summary>
    /// The glue's ticket keeper: on acquiring, ContinueAbove(floor) first (the highest epoch the
    /// other site may have used; 0: none new), then SetSiteTicket. The ticket's floor only grows,
    /// so an acquisition passes the highest floor given so far. Returns the core's answer.
    /// </summary>
    public string SetTicket(string group, bool held, long floor = 0)
    {
        long keptFloor = Math.Max(floor, _tickets.TryGetValue(group, out var t) ? t.Floor : 0);
        if (held && keptFloor > 0)
        {
            Core.ContinueAbove(keptFloor);
        }

        string error = Core.SetSiteTicket(group, held);
        if (error.Length == 0)
        {
            _tickets[group] = (held, keptFloor);
            Referee.TicketChanged(group, held, keptFloor);
        }

        return error;
    }

    /// <summary>The last signed command delivered (what an eavesdropper could capture and send again).</summary>
    public SignedCommand? LastCommand { get; private set; }

    public SignedCommand Sign(CommandAction action, string target, string argument, long epoch, string id, long issuedAt, long expiresAt, string keyId = "ops", byte[]? key = null)
    {
        var c = new SignedCommand
        {
            Id = id,
            Target = target,
            Action = action,
            Argument = argument,
            Epoch = epoch,
            IssuedAt = issuedAt,
            ExpiresAt = expiresAt,
        };
        new CommandSigner(new PortableHmacSha256()).Sign(c, keyId, key ?? KeyBytes);
        return c;
    }

    /// <summary>The board loses power and comes back: every relay released, a new core from the persisted epoch.</summary>
    public void RestartBoard(string why)
    {
        BoardRestarts++;
        Note($"board restarts ({why}); persisted epoch {Persisted}" + (PersistedLadder.Length > 0 ? $", ladder record '{PersistedLadder}'" : ""));
        _pending.Clear();
        var released = new RelayLevels();
        for (int i = 0; i < Servers.Length; i++)
        {
            Servers[i].ApplyRelays(released, this);
            if (_lastRelayMask[i] != 0)
            {
                Note($"relay {Servers[i].Node} all released (board off)");
            }

            _lastRelayMask[i] = 0;
        }

        Core = NewCore();
        Referee.BoardRestarted();

        // The glue tells the new core what its ticket keeper holds before the first tick.
        foreach (var (group, ticket) in _tickets)
        {
            if (ticket.Held)
            {
                if (ticket.Floor > 0) { Core.ContinueAbove(ticket.Floor); }
                Core.SetSiteTicket(group, true);
            }
        }

        // The broker still holds every agent's last retained state (maybe stale) and delivers it to
        // the new board: the one retained when it is delivered, not when the board restarted (a
        // state published in between replaces it), and the delivery itself stores nothing.
        foreach (string node in _retainedStates.Keys.ToList())
        {
            _pending.Enqueue(() =>
            {
                var (state, proven) = _retainedStates[node];
                Referee.StateDelivered(state);
                Process(Core.Step(state, proven, WallMs), false);
            });
        }
    }

    /// <summary>An agent that (re)gained the broker republishes its state and reads its retained grant.</summary>
    public void AgentReconnects(SimServer s)
    {
        var g = RetainedGrant(s.Node);
        if (g is not null && g.Epoch >= s.Epoch && s.Role != g.Role && !s.RefusesActive(g))
        {
            s.Role = g.Role;
            s.Epoch = g.Epoch;
        }

        if (s.PresenceLost)
        {
            s.PresenceLost = false;
            _pending.Enqueue(() => StepPresence(s.Node, Presence.Ready));
        }

        _pending.Enqueue(() => Step(s.State(GroupOf(s.Node), WallMs)));
    }

    /// <summary>
    /// The agent leaves the active role on its own, as after Board:DemoteWhenSilentMs: standby at
    /// its epoch, and from then on it takes active only from a newer grant (the agent's RoleState).
    /// Its state goes out when it can reach the broker.
    /// </summary>
    public void StepDown(SimServer s)
    {
        if (s.Role != NodeRole.Active)
        {
            return;
        }

        s.Role = NodeRole.Standby;
        s.SteppedDownAt = s.Epoch;
        PublishState(s);
    }

    /// <summary>Delivers the agent's state to the board now (the claim is heard before anything else happens to it).</summary>
    public void PublishStateNow(SimServer s) => Step(s.State(GroupOf(s.Node), WallMs));

    public void PublishState(SimServer s) => _pending.Enqueue(() =>
    {
        if (s.Reachable)
        {
            Step(s.State(GroupOf(s.Node), WallMs));
        }
    });

    private WatchdogCore NewCore()
    {
        var core = new WatchdogCore(Config, Persisted, new ProtocolCommandVerifier(Keys, new PortableHmacSha256(), 64, 30_000));
        // The wall clock goes on across the restart (WallMs counts every tick, also the board's).
        string unknown = core.RestoreLadder(PersistedLadder, WallMs);
        if (unknown.Length > 0)
        {
            throw new InvalidOperationException(unknown);
        }

        unknown = PersistedCommissioned is null ? "" : core.RestoreCommissioned(PersistedCommissioned);
        if (unknown.Length > 0)
        {
            throw new InvalidOperationException(unknown);
        }

        return core;
    }

    private void DeliverPending()
    {
        int n = _pending.Count;
        for (int i = 0; i < n && _pending.Count > 0; i++)
        {
            _pending.Dequeue()();
        }
    }

    private void Process(CoreOutput output, bool fromCommand)
    {
        // 1. persist
        if (output.EpochToPersist != 0)
        {
            Referee.Persisted(output.EpochToPersist);
            Persisted = output.EpochToPersist;
            bool newList = output.Commissioned != PersistedCommissioned;
            PersistedCommissioned = output.Commissioned;
            Note($"persist epoch={output.EpochToPersist}" + (newList ? $" commissioned=[{output.Commissioned}]" : ""));
            if (_crashAfterPersist)
            {
                _crashAfterPersist = false;
                RestartBoard("crashed after persisting, before driving relays or publishing");
                return;
            }
        }

        if (output.LadderChanged)
        {
            PersistedLadder = output.Ladder;
            Note($"persist ladder={(output.Ladder.Length == 0 ? "-" : output.Ladder)}");
        }

        // 2. relays
        for (int i = 0; i < output.RelayCount; i++)
        {
            var levels = output.Relay(i);
            int mask = levels.Mask;
            if (mask != _lastRelayMask[i])
            {
                Note($"relay {Servers[i].Node} {Diff(_lastRelayMask[i], mask)}");
                Referee.RelayChanged(i, _lastRelayMask[i], mask, fromCommand);
                _lastRelayMask[i] = mask;
            }

            Servers[i].ApplyRelays(levels, this);
        }

        // 3. publish
        for (int i = 0; i < output.Count; i++)
        {
            var e = output.Entry(i);
            Publish(e);
        }

        Referee.AfterOutput();
    }

    private void Publish(OutboxEntry e)
    {
        switch (e.Message)
        {
            case Grant g:
                var copy = new Grant { Group = g.Group, Node = g.Node, Role = g.Role, Epoch = g.Epoch, Reason = g.Reason, Timestamp = g.Timestamp };
                Referee.GrantPublished(copy);
                _retained[g.Node] = copy;
                Note($"grant {g.Node} {WireWords.Of(g.Role)}@{g.Epoch} ({g.Reason})");
                Deliver(copy);
                break;
            case GroupRoles r:
                string line = $"roles {r.Group}@{r.Epoch} active=[{string.Join(",", r.Active)}] standby=[{string.Join(",", r.Standby)}] ready=[{string.Join(",", r.Ready)}] fenced=[{string.Join(",", r.Fenced)}]";
                // The periodic republish of the same roles is not shown (as retained readings are not).
                if (!_shownRoles.TryGetValue(r.Group, out string? shown) || shown != line || !ReferenceEquals(_shownRolesMessage.GetValueOrDefault(r.Group), r))
                {
                    Note(line);
                }

                _shownRoles[r.Group] = line;
                _shownRolesMessage[r.Group] = r;
                RolesPublished++;
                break;
            case AgentRequest q:
                Referee.RequestPublished(q);
                Note($"request {q.Node} {WireWords.Of(q.Kind)} ({q.Reason})");
                var s = Server(q.Node);
                if (q.Kind == AgentRequestKind.RestartService && s.Reachable && s.RestartHeals && s.ServiceFailing)
                {
                    s.ServiceFailing = false;
                    Note($"sim {s.Node}: service restarted, healthy");
                    PublishState(s);
                }

                break;
            case EventMessage ev:
                Note($"event {WireWords.Of(ev.Severity)} {ev.Kind}{(ev.Node.Length > 0 ? " " + ev.Node : "")}{(ev.Group.Length > 0 && ev.Node.Length == 0 ? " " + ev.Group : "")}: {ev.Detail}");
                break;
            case CommandAck a:
                Note($"ack {a.Id} {WireWords.Of(a.Verdict)}: {a.Detail}");
                break;
            case ChannelReading:
            case BoardStatus:
                if (e.Topic != TopicKind.BoardChannel && e.Topic != TopicKind.BoardState)
                {
                    Note($"VIOLATION reading on the wrong topic {e.Topic}");
                }

                break;
            default:
                Note($"VIOLATION unexpected message {e.Message.GetType().Name}");
                break;
        }
    }

    private void Deliver(Grant g)
    {
        var s = Server(g.Node);
        if (!s.Reachable || g.Epoch < s.Epoch || s.RefusesActive(g))
        {
            return;
        }

        s.Role = g.Role;
        s.Epoch = g.Epoch;
        s.Unproven = false;
        if (s.Acks)
        {
            var ack = new GrantAck { Node = s.Node, Group = g.Group, Role = g.Role, Epoch = g.Epoch, Ok = true, Timestamp = WallMs };
            if (s.HoldAcks) { s.HeldAcks.Enqueue(ack); }
            else { SendAck(ack); }
        }

        PublishState(s);
    }

    private void SendAck(GrantAck ack)
    {
        _pending.Enqueue(() =>
        {
            Note($"<- grant-ack {ack.Node} {WireWords.Of(ack.Role)}@{ack.Epoch}");
            Step(ack);
        });
    }

    /// <summary>The acknowledgements a server held back arrive now, in the order it sent them.</summary>
    public void ReleaseHeldAcks(SimServer s)
    {
        s.HoldAcks = false;
        while (s.HeldAcks.Count > 0) { SendAck(s.HeldAcks.Dequeue()); }
    }

    private static string Diff(int before, int after)
    {
        string[] names = { "reset", "power", "fence", "role" };
        var parts = new List<string>();
        for (int b = 0; b < 4; b++)
        {
            bool was = (before & (1 << b)) != 0;
            bool now = (after & (1 << b)) != 0;
            if (was != now)
            {
                parts.Add(names[b] + (now ? " on" : " off"));
            }
        }

        return string.Join(", ", parts);
    }
}
