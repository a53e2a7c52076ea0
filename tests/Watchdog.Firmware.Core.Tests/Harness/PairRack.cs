using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.Pair;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>How a simulated board of the pair is doing.</summary>
internal enum BoardLife { Running, Crashed, Held, Off }

/// <summary>
/// Two BoardPair instances wired as the hardware wires them: each one's heartbeat output into the
/// other's edge counter, each one's reset output on the other (a held board is off, and boots
/// again when released), and a data link delivering frames one tick later. Faults cut wires,
/// crash (outputs stay where they were, as a hung microcontroller's pins do), or cut power
/// (outputs fall off). Every tick the referee's pair rules are checked: never two boards driving
/// as authority, and every epoch an authority uses above every epoch used before.
/// </summary>
internal sealed class PairRack
{
    private readonly PairConfig[] _configs;
    private readonly int _tickMs;
    private readonly SimBoard[] _boards;
    private readonly long _bootTicks;
    private long _highestUsed;

    public PairRack(PairConfig template, int tickMs, int bootMs)
    {
        _tickMs = tickMs;
        _bootTicks = Math.Max(1, bootMs / tickMs);
        _configs = [Copy(template, "b", true), Copy(template, "a", false)];
        _boards = [new SimBoard("a"), new SimBoard("b")];
        foreach (var b in _boards) { Boot(b); }
    }

    public long Now { get; private set; }

    public List<string> Log { get; } = [];

    public List<string> Violations { get; } = [];

    /// <summary>Epochs used at or below an earlier one by a board that took authority unsynced (booted hearing nothing): the agents' evidence lifts those.</summary>
    public List<string> UnsyncedReuse { get; } = [];

    /// <summary>Per direction: [0] a->b, [1] b->a.</summary>
    public bool[] HeartbeatCut { get; } = new bool[2];

    public bool[] LinkCut { get; } = new bool[2];

    /// <summary>Per board: its reset output does not reach the other board (a broken wire).</summary>
    public bool[] ResetBroken { get; } = new bool[2];

    public SimBoard Board(string name) => _boards[Index(name)];

    public IReadOnlyList<SimBoard> Boards => _boards;

    public string Time => (Now * _tickMs / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) + "s";

    public void Run(long ticks)
    {
        for (long i = 0; i < ticks; i++) { Step(); }
    }

    public void Crash(string name)
    {
        var b = Board(name);
        if (b.Life == BoardLife.Running) { b.Life = BoardLife.Crashed; }
    }

    /// <summary>A frozen board runs on (a long pause that ended).</summary>
    public void Thaw(string name)
    {
        var b = Board(name);
        if (b.Life == BoardLife.Crashed) { b.Life = BoardLife.Running; }
    }

    public void PowerOff(string name)
    {
        var b = Board(name);
        b.Life = BoardLife.Off;
        b.Pair = null;
        b.Driving = false;
        b.ResetOut = false;
    }

    public void PowerOn(string name)
    {
        var b = Board(name);
        if (b.Life == BoardLife.Off) { b.Life = BoardLife.Held; b.BootAt = Now + _bootTicks; }
    }

    /// <summary>The authority issues <paramref name="count"/> new epochs (failovers, role changes).</summary>
    public int Grant(int count)
    {
        var authority = _boards.FirstOrDefault(b => b.Life == BoardLife.Running && b.Pair!.IsAuthority);
        if (authority is null) { return 0; }
        for (int i = 0; i < count; i++) { Use(authority, authority.CoreEpoch + 1); }
        return count;
    }

    private void Boot(SimBoard b)
    {
        b.Pair = new BoardPair(b.Name, _configs[Index(b.Name)], _tickMs, b.Durable);
        b.Life = BoardLife.Running;
        b.CoreEpoch = b.Durable;
        b.Driving = false;
        b.ResetOut = false;
        b.LastLevel = b.Pair.HeartbeatLevel;
        b.Inbox.Clear();
    }

    private void Step()
    {
        Now++;
        // Boards held in reset or off come back when their reset is released.
        for (int i = 0; i < 2; i++)
        {
            var b = _boards[i];
            var peer = _boards[1 - i];
            bool held = peer.ResetOut && !ResetBroken[1 - i];
            if (held && b.Life is BoardLife.Running or BoardLife.Crashed)
            {
                b.Life = BoardLife.Held;
                b.Pair = null;
                b.Driving = false;
                b.ResetOut = false;
                Log.Add($"{Time} {b.Name} held in reset by {peer.Name}");
            }
            else if (!held && b.Life == BoardLife.Held && b.BootAt < 0)
            {
                b.BootAt = Now + _bootTicks;
            }
            else if (held && b.Life == BoardLife.Held)
            {
                b.BootAt = -1;
            }

            if (b.Life == BoardLife.Held && b.BootAt >= 0 && Now >= b.BootAt)
            {
                b.BootAt = -1;
                Boot(b);
                Log.Add($"{Time} {b.Name} boots (durable epoch {b.Durable})");
            }
        }

        // Each heartbeat output changed at most once in the last tick: one edge on the other side.
        var edges = new int[2];
        for (int i = 0; i < 2; i++)
        {
            var peer = _boards[1 - i];
            if (peer.Life == BoardLife.Running && peer.Pair!.HeartbeatLevel != peer.LastLevel)
            {
                edges[i] = HeartbeatCut[1 - i] ? 0 : 1;
            }
        }

        for (int i = 0; i < 2; i++)
        {
            if (_boards[i].Life == BoardLife.Running) { _boards[i].LastLevel = _boards[i].Pair!.HeartbeatLevel; }
        }

        var sent = new PairFrame?[2];
        for (int i = 0; i < 2; i++)
        {
            var b = _boards[i];
            if (b.Life != BoardLife.Running) { continue; }
            var peer = _boards[1 - i];
            foreach (var f in b.Inbox) { b.Pair!.Receive(f); }
            b.Inbox.Clear();
            var pair = b.Pair!;
            bool wasAuthority = pair.IsAuthority;
            PairState before = pair.State;
            pair.Tick(edges[i], b.CoreEpoch, Now * _tickMs);
            if (pair.CeilingToPersist > 0)
            {
                b.Durable = Math.Max(b.Durable, pair.CeilingToPersist);
                pair.Persisted(pair.CeilingToPersist);
            }

            if (pair.IsAuthority && !wasAuthority)
            {
                b.CoreEpoch = Math.Max(b.CoreEpoch, pair.EpochFloor);
            }

            for (int e = 0; e < pair.EventCount; e++)
            {
                EventMessage ev = pair.Event(e);
                Log.Add($"{Time} {b.Name} {WireWords.Of(ev.Severity)} {ev.Kind}: {ev.Detail}");
            }

            if (pair.State != before)
            {
                Log.Add($"{Time} {b.Name} {WireWords.Of(before)} -> {WireWords.Of(pair.State)}");
            }

            if (pair.PeerReset != b.ResetOut)
            {
                Log.Add($"{Time} {b.Name} {(pair.PeerReset ? "asserts" : "releases")} {peer.Name}'s reset");
            }

            b.ResetOut = pair.PeerReset;
            b.Driving = pair.IsAuthority;
            sent[i] = pair.Frame is null ? null : Clone(pair.Frame);
        }

        for (int i = 0; i < 2; i++)
        {
            var b = _boards[i];
            if (sent[i] is { } f && !LinkCut[i] && _boards[1 - i].Life == BoardLife.Running) { _boards[1 - i].Inbox.Add(f); }
        }

        // A crashed board's outputs stay as they were: it drives as long as it did, until held.
        int driving = _boards.Count(b => b.Driving && b.Life is BoardLife.Running or BoardLife.Crashed);
        if (driving > 1)
        {
            Violations.Add($"{Time} VIOLATION two boards drive as authority: " + string.Join(", ", _boards.Select(b => $"{b.Name} {b.Life}")));
        }
    }

    private void Use(SimBoard authority, long epoch)
    {
        if (epoch <= _highestUsed && authority.Pair!.AuthorityUnsynced)
        {
            UnsyncedReuse.Add($"{Time} {authority.Name} (authority unsynced) uses epoch {epoch}, not above {_highestUsed}");
        }
        else if (epoch <= _highestUsed)
        {
            Violations.Add($"{Time} VIOLATION {authority.Name} uses epoch {epoch}, not above {_highestUsed} used before");
        }

        _highestUsed = Math.Max(_highestUsed, epoch);
        authority.CoreEpoch = epoch;
        // The core persists an epoch before publishing anything that carries it.
        authority.Durable = Math.Max(authority.Durable, epoch);
    }

    private static PairFrame Clone(PairFrame f) => new()
    {
        From = f.From, Seq = f.Seq, State = f.State, Epoch = f.Epoch, Ceiling = f.Ceiling, AckSeq = f.AckSeq, PeerInSync = f.PeerInSync, Timestamp = f.Timestamp,
    };

    private static PairConfig Copy(PairConfig t, string peer, bool preferred) => new()
    {
        Peer = peer, Preferred = preferred, HeartbeatPeriodMs = t.HeartbeatPeriodMs, PeerTimeoutMs = t.PeerTimeoutMs, LinkPeriodMs = t.LinkPeriodMs,
        LinkTimeoutMs = t.LinkTimeoutMs, PriorityDelayMs = t.PriorityDelayMs, ConfirmMs = t.ConfirmMs, PeerBootGraceMs = t.PeerBootGraceMs, EpochBlock = t.EpochBlock,
    };

    private static int Index(string name) => name switch
    {
        "a" => 0,
        "b" => 1,
        _ => throw new FormatException($"no board '{name}' (a or b)"),
    };

    /// <summary>One board of the pair with its durable store (which survives every fault).</summary>
    internal sealed class SimBoard(string name)
    {
        public string Name { get; } = name;

        public BoardPair? Pair { get; set; }

        public BoardLife Life { get; set; }

        public long Durable { get; set; }

        public long CoreEpoch { get; set; }

        public bool Driving { get; set; }

        public bool ResetOut { get; set; }

        public bool LastLevel { get; set; }

        public long BootAt { get; set; } = -1;

        public List<PairFrame> Inbox { get; } = [];
    }
}
