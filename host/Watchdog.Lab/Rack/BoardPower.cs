using System.Diagnostics;
using Watchdog.Platform.Posix;
using Watchdog.Sim.Rack;
using Watchdog.VirtualWires;

namespace Watchdog.Lab.Rack;

/// <summary>
/// The pair's board reset lines on the virtual rack: a thread samples each board's reset line
/// (driven by its peer: rack1's is rack1-b's peer_reset, and the other way round) every 1 ms, as
/// the reset pin of a real MCU would hold it. Asserted: the board is out, its process killed (also
/// a frozen one: reset stops a hung CPU too), its pins then released as a dead process's are.
/// Released: the board boots again on the same state directory ~100 ms later, unless it has no
/// power. A reset line whose driver died counts as released, like any output of a dead board.
/// Power is the rack's to give and take (BoardPowerLoss / BoardPowerRestored).
/// </summary>
public sealed class BoardPower : IDisposable
{
    /// <summary>How long a released board takes to boot again (its supervisor, the runtime's start are on top).</summary>
    public static readonly TimeSpan RestartDelay = TimeSpan.FromMilliseconds(100);

    private readonly WireFile _wires;
    private readonly RackTimeline _timeline;
    private readonly Line[] _lines;
    private readonly Thread _thread;
    private volatile bool _disposed;

    /// <param name="boards">Each board with the pin of its own reset line (its peer's peer_reset) and the peer's name.</param>
    public BoardPower(WireFile wires, RackTimeline timeline, IEnumerable<(BoardProcess Board, int ResetPin, string Peer)> boards)
    {
        _wires = wires;
        _timeline = timeline;
        _lines = boards.Select(b => new Line(b.Board, b.ResetPin, b.Peer) { Edges = wires.ReadEdgeCount(b.ResetPin) }).ToArray();
        _thread = new Thread(Loop) { IsBackground = true, Name = "board reset lines" };
        _thread.Start();
    }

    /// <summary>Whether <paramref name="board"/>'s reset line is held now (as last sampled).</summary>
    public bool IsHeld(string board) => LineOf(board).Held;

    public bool IsPowered(string board) => LineOf(board).Powered;

    /// <summary>Power cut: the board stops at once (its pins released) and stays off until power returns.</summary>
    public void PowerLoss(string board)
    {
        var line = LineOf(board);
        lock (line)
        {
            line.Powered = false;
            line.RestartAt = null;
        }

        _timeline.Record(TimelineKind.Fault, board, "board power lost");
        line.Board.Kill("board off: power lost");
    }

    /// <summary>Power back: the board boots, unless its peer holds it in reset (it boots when released).</summary>
    public void PowerRestored(string board)
    {
        var line = LineOf(board);
        bool start;
        lock (line)
        {
            line.Powered = true;
            start = !line.Held;
        }

        _timeline.Record(TimelineKind.Fault, board, "board power restored", start ? "booting" : "held in reset: boots when released");
        if (start)
        {
            line.Board.Start();
        }
    }

    private Line LineOf(string board) =>
        _lines.FirstOrDefault(l => l.Board.Name == board) ?? throw new ArgumentException($"no board '{board}' on the rack's reset lines", nameof(board));

    private void Loop()
    {
        PosixSignals.TryMakeCurrentThreadRealTime();
        while (!_disposed)
        {
            foreach (var line in _lines)
            {
                try
                {
                    Sample(line);
                }
                catch (Exception e) when (!_disposed)
                {
                    _timeline.Record(TimelineKind.Note, line.Board.Name, "reset line watcher error", e.Message);
                }
            }

            Thread.Sleep(1);
        }
    }

    private void Sample(Line line)
    {
        var sample = _wires.Sample(line.ResetPin);
        // Edges: a pulse shorter than a sample still resets the board (a real MCU latches it).
        var pulsed = unchecked(sample.EdgeCount - line.Edges) >= 2;
        line.Edges = sample.EdgeCount;
        var held = sample.Value && _wires.IsWriterAlive(line.ResetPin);
        bool kill = false, schedule = false, start = false;
        lock (line)
        {
            if ((held && !line.Held) || (pulsed && held == line.Held))
            {
                _timeline.Record(TimelineKind.Relay, line.Board.Name, $"{line.Board.Name} held in reset by {line.Peer}", $"gpio {line.ResetPin}" + (held ? "" : " (a pulse)"));
                kill = true;
                line.RestartAt = null;
                schedule = !held;
            }
            else if (!held && line.Held)
            {
                _timeline.Record(TimelineKind.Relay, line.Board.Name, $"{line.Board.Name} reset released by {line.Peer}", line.Powered ? "booting" : "no power: stays off");
                schedule = true;
            }

            line.Held = held;
            if (schedule && line.Powered)
            {
                line.RestartAt = Stopwatch.GetTimestamp() + (long)(RestartDelay.TotalSeconds * Stopwatch.Frequency);
            }

            if (line.RestartAt is { } at && Stopwatch.GetTimestamp() >= at)
            {
                line.RestartAt = null;
                start = line.Powered && !line.Held;
            }
        }

        if (kill)
        {
            line.Board.Kill($"{line.Board.Name} out: held in reset by {line.Peer}");
        }

        if (start)
        {
            line.Board.Start();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        if (_thread != Thread.CurrentThread)
        {
            _thread.Join();
        }
    }

    private sealed class Line(BoardProcess board, int resetPin, string peer)
    {
        public BoardProcess Board { get; } = board;
        public int ResetPin { get; } = resetPin;
        public string Peer { get; } = peer;
        public uint Edges { get; set; }
        public bool Held { get; set; }
        public bool Powered { get; set; } = true;
        public long? RestartAt { get; set; }
    }
}
