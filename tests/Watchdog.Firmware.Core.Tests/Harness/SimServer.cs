using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>What makes a simulated server's fault go away.</summary>
internal enum HealOn { Reset, PowerCycle, Never }

/// <summary>
/// A simulated server wired to one channel, with its agent: it toggles the heartbeat while its
/// agent runs, shows power-good and link, reacts to reset (frozen while held, reboots on release)
/// and to the power button (a hold of 4 s forces it off, a short press while off powers it on),
/// and its agent carries out grants and acknowledges them when it can reach the broker.
/// </summary>
internal sealed class SimServer
{
    private readonly int _periodTicks;
    private readonly int _forcedOffTicks;
    private int _phase;
    private int _powerHeldTicks;
    private bool _offDuringHold;
    private bool _wasReachable;
    private readonly int _statePublishTicks;
    private int _sinceState;

    public SimServer(ChannelConfig channel, int tickMs, int heartbeatPeriodMs)
    {
        Node = channel.Node;
        Channel = channel;
        _periodTicks = Math.Max(1, heartbeatPeriodMs / tickMs);
        _forcedOffTicks = (4000 + tickMs - 1) / tickMs;
        _statePublishTicks = Math.Max(1, 5000 / tickMs);
        PsuOk = Enumerable.Repeat(true, channel.PowerGoodInputs).ToArray();
        LinkUp = Enumerable.Repeat(true, channel.LinkInputs).ToArray();
        BootTicks = Math.Max(1, 3000 / tickMs);
    }

    public string Node { get; }
    public ChannelConfig Channel { get; }
    public bool PoweredOn { get; private set; } = true;
    public bool[] PsuOk { get; }
    public bool[] LinkUp { get; }
    public bool ResetHeld { get; private set; }
    public int BootTicks { get; set; }
    public int BootLeft { get; private set; }
    public bool Booting => BootLeft > 0;

    /// <summary>The agent process is frozen or its heartbeat stopped (a hang or a dead agent) until a reboot heals it.</summary>
    public bool Hung { get; set; }
    public HealOn HealOn { get; set; } = HealOn.Reset;
    public int HeartbeatPauseTicks { get; set; }
    public int PowerGlitchTicks { get; set; }
    public int LinkGlitchTicks { get; set; }

    // The agent.
    public NodeRole Role { get; set; }
    public long Epoch { get; set; }

    /// <summary>The epoch at which its agent last left the active role on its own (-1: never); a grant of active at or below it is refused.</summary>
    public long SteppedDownAt { get; set; } = -1;

    /// <summary>True for a grant of active at or below <see cref="SteppedDownAt"/>: the agent takes it only from a newer one.</summary>
    public bool RefusesActive(Grant g) => g.Role == NodeRole.Active && g.Epoch <= SteppedDownAt;

    /// <summary>
    /// True while its role and epoch come from no grant a board key sealed (a forged or foreign
    /// grant it acted on): its states then reach the core with the grant proof failing, as the
    /// glue would find. A grant from the board clears it.
    /// </summary>
    public bool Unproven { get; set; }
    public bool ServiceFailing { get; set; }

    /// <summary>
    /// Its agent says it is not ready to be promoted (a check that gates promotion fails: a
    /// database standby behind its primary). A property of its data, so a reboot keeps it.
    /// </summary>
    public bool NotReady { get; set; }

    public const string NotReadyReason = "not ready: pg-sync: replay 40 MB behind the primary";

    public bool RestartHeals { get; set; } = true;
    public bool Acks { get; set; } = true;

    /// <summary>
    /// True while its acknowledgements are sent but late: each waits in <see cref="HeldAcks"/>
    /// until the scenario lets them through (a slow link, a busy agent), after later grants went out.
    /// </summary>
    public bool HoldAcks { get; set; }
    public Queue<GrantAck> HeldAcks { get; } = new();
    public bool BrokerOk { get; set; } = true;

    /// <summary>False until the agent is installed: the server runs, but nothing feeds the heartbeat or talks MQTT.</summary>
    public bool Installed { get; set; } = true;

    /// <summary>Its agent has run at some time (fed the heartbeat or talked MQTT): only then may the board ever act on it.</summary>
    public bool AgentEverRan { get; private set; }

    /// <summary>The broker published this agent's will (lost); cleared when it reconnects.</summary>
    public bool PresenceLost { get; set; }
    public long Seq { get; set; }

    public bool Running => PoweredOn && !ResetHeld && !Booting;

    /// <summary>Its services may act as active: it holds the role and is neither off, held in reset nor rebooting (a hang may resume).</summary>
    public bool ActsActive => Role == NodeRole.Active && Running;

    /// <summary>The agent can talk to the broker.</summary>
    public bool Reachable => Running && !Hung && Installed && BrokerOk && LinkUp.Any(l => l);

    /// <summary>One tick of the world: fill the channel's sample.</summary>
    public void Advance(ChannelSample sample, Rack rack)
    {
        if (_powerHeld)
        {
            _powerHeldTicks++;
            if (PoweredOn && _powerHeldTicks >= _forcedOffTicks)
            {
                PoweredOn = false;
                _offDuringHold = true;
                BootLeft = 0;
                Role = NodeRole.None;
                rack.Note($"sim {Node}: forced off by the power button");
            }
        }

        if (BootLeft > 0 && PoweredOn && !ResetHeld)
        {
            BootLeft--;
            if (BootLeft == 0)
            {
                AgentStarts(rack);
            }
        }

        int edges = 0;
        if (Running && Installed)
        {
            AgentEverRan = true;
        }

        if (Running && !Hung && Installed)
        {
            if (HeartbeatPauseTicks > 0)
            {
                HeartbeatPauseTicks--;
            }
            else if (++_phase >= _periodTicks)
            {
                _phase = 0;
                edges = 1;
            }
        }

        sample.HeartbeatEdges = edges;
        bool glitch = PowerGlitchTicks > 0;
        if (glitch)
        {
            PowerGlitchTicks--;
        }

        for (int i = 0; i < sample.PowerGood.Length; i++)
        {
            sample.PowerGood[i] = PoweredOn && PsuOk[i] && !glitch;
        }

        bool linkGlitch = LinkGlitchTicks > 0;
        if (linkGlitch)
        {
            LinkGlitchTicks--;
        }

        for (int i = 0; i < sample.Link.Length; i++)
        {
            sample.Link[i] = PoweredOn && LinkUp[i] && !linkGlitch;
        }

        bool reachable = Reachable;
        if (reachable && !_wasReachable)
        {
            rack.AgentReconnects(this);
            _sinceState = 0;
        }
        else if (reachable && ++_sinceState >= _statePublishTicks)
        {
            // A real agent republishes its state every Mqtt:StatePublishMs (5 s by default), which
            // is how the board tells a silent agent from a quiet one (node_silence_ms).
            _sinceState = 0;
            rack.PublishState(this);
        }

        _wasReachable = reachable;
    }

    private bool _powerHeld;

    public void ApplyRelays(RelayLevels levels, Rack rack)
    {
        if (levels.Reset && !ResetHeld)
        {
            ResetHeld = true;
        }
        else if (!levels.Reset && ResetHeld)
        {
            ResetHeld = false;
            Reboot(HealOn.Reset, rack);
        }

        if (levels.Power && !_powerHeld)
        {
            _powerHeld = true;
            _powerHeldTicks = 0;
            _offDuringHold = false;
        }
        else if (!levels.Power && _powerHeld)
        {
            _powerHeld = false;
            if (!PoweredOn && !_offDuringHold && PsuOk.Any(p => p))
            {
                PoweredOn = true;
                rack.Note($"sim {Node}: powered on by a press");
                Reboot(HealOn.PowerCycle, rack);
            }
        }
    }

    private void Reboot(HealOn how, Rack rack)
    {
        // A reboot starts the service afresh.
        ServiceFailing = false;
        Role = NodeRole.None;
        BootLeft = BootTicks;
        if (Hung && (HealOn == how || (HealOn == HealOn.Reset && how == HealOn.PowerCycle)))
        {
            Hung = false;
        }
    }

    /// <summary>The server was switched on with the board: it boots for BootTicks before its agent runs.</summary>
    public void PowerOnNow()
    {
        PoweredOn = true;
        Role = NodeRole.None;
        BootLeft = BootTicks;
    }

    public void PowerLoss()
    {
        for (int i = 0; i < PsuOk.Length; i++)
        {
            PsuOk[i] = false;
        }

        PoweredOn = false;
        BootLeft = 0;
        Role = NodeRole.None;
    }

    public void PowerRestored(Rack rack)
    {
        for (int i = 0; i < PsuOk.Length; i++)
        {
            PsuOk[i] = true;
        }

        if (!PoweredOn)
        {
            PoweredOn = true;
            Reboot(HealOn.PowerCycle, rack);
        }
    }

    private void AgentStarts(Rack rack)
    {
        // A restarted agent takes its role from the retained grant the broker keeps for it, but
        // never active at an epoch it had reached before the restart (the agent's RoleState: the
        // restart left that role; only a newer grant gives it back).
        Grant? retained = rack.RetainedGrant(Node);
        long remembered = Epoch;
        SteppedDownAt = remembered;
        bool refused = retained is not null && RefusesActive(retained);
        Role = refused ? NodeRole.None : retained?.Role ?? NodeRole.None;
        Epoch = refused ? remembered : retained?.Epoch ?? 0;
        Unproven = false;
        if (!Hung)
        {
            rack.Note($"sim {Node}: booted, agent up as {WireWords.Of(Role)}@{Epoch}");
        }
    }

    public NodeState State(string group, long wallMs) => new()
    {
        Node = Node,
        Group = group,
        Role = Role,
        Epoch = Epoch,
        Health = ServiceFailing ? Health.Failing : Health.Healthy,
        Ready = !NotReady,
        Reason = NotReady ? NotReadyReason : "",
        Feeding = !Hung,
        Seq = ++Seq,
        Timestamp = wallMs,
    };
}
