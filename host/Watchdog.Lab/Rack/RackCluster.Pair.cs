using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Rack;

/// <summary>The faults of a pair of boards (RackClusterOptions.Boards = 2), each on the rack's timeline.</summary>
public sealed partial class RackCluster
{
    private BoardPower PairPower => _boardPower ?? throw new InvalidOperationException("a board fault of the pair needs RackClusterOptions.Boards = 2");

    /// <summary>
    /// kill -9 of <paramref name="board"/>'s process. It stays dead, as a crashed MCU stays hung:
    /// nothing restarts it until its peer pulses its reset line (the peer, taking authority, fences
    /// it and then releases it; BoardPower boots it on the release).
    /// </summary>
    public void KillBoard(string board)
    {
        _ = PairPower;
        Board(board).Kill($"kill -9 {board} (stays dead until {ClusterConfigs.PeerOf(board)} pulses its reset)");
    }

    /// <summary>SIGSTOP of <paramref name="board"/>: a hung board. Its peer holding it in reset kills it (BoardPower).</summary>
    public void FreezeBoard(string board)
    {
        _ = PairPower;
        Board(board).Freeze();
    }

    /// <summary>SIGCONT of a frozen board (one that was not held in reset meanwhile).</summary>
    public void ThawBoard(string board) => Board(board).Thaw();

    /// <summary>Cuts <paramref name="board"/>'s power: it stops at once and stays off until <see cref="BoardPowerRestored"/>.</summary>
    public void BoardPowerLoss(string board) => PairPower.PowerLoss(board);

    /// <summary>Gives <paramref name="board"/> power back: it boots unless its peer holds it in reset.</summary>
    public void BoardPowerRestored(string board) => PairPower.PowerRestored(board);

    /// <summary>Cuts (or mends) the heartbeat wire from <paramref name="fromBoard"/> to its peer: its heartbeat_out pin.</summary>
    public void CutPairHeartbeat(string fromBoard, bool cut)
    {
        _ = PairPower;
        var pin = PairWiringOf(fromBoard).HeartbeatOutPin;
        Rack.Timeline.Record(TimelineKind.Fault, fromBoard, cut ? $"pair heartbeat wire from {fromBoard} cut" : $"pair heartbeat wire from {fromBoard} mended", $"gpio {pin}");
        CutWire(pin, cut);
    }

    /// <summary>
    /// Cuts (or mends) the pair's data link: both socket files are renamed to *.cut and back, so a
    /// send to the peer's path fails as into a cut cable while each board keeps its bound socket.
    /// </summary>
    public void CutPairLink(bool cut)
    {
        _ = PairPower;
        Rack.Timeline.Record(TimelineKind.Fault, "pair", cut ? "pair data link cut" : "pair data link mended");
        foreach (var board in BoardNames)
        {
            var path = LinkSocketOf(board);
            var (from, to) = cut ? (path, path + ".cut") : (path + ".cut", path);
            if (!File.Exists(from))
            {
                continue;
            }

            // A board restarted while the link was cut bound a fresh socket at the path: that one is live, the cut one is dead.
            if (!cut && File.Exists(to))
            {
                File.Delete(from);
                continue;
            }

            File.Move(from, to, overwrite: true);
        }
    }

    /// <summary>Both boards killed and started together (a rack power cycle): the preferred one takes authority.</summary>
    public void RestartBothBoards()
    {
        _ = PairPower;
        Rack.Timeline.Record(TimelineKind.Fault, "pair", "both boards restarted together");
        foreach (var board in BoardNames)
        {
            Board(board).Kill($"kill -9 {board} (restart of both)");
        }

        foreach (var board in BoardNames)
        {
            Board(board).Start();
        }
    }

    private void CutWire(int pin, bool cut) => Rack.Wires.SetCut(pin, cut);

    /// <summary>The pair wires of <paramref name="board"/>'s pin map (its heartbeat out, the peer's heartbeat in, the peer's reset out).</summary>
    private PairWiring PairWiringOf(string board) =>
        RackPinMap.Load(Board(board).Launch.PinMapPath).Pair
        ?? throw new InvalidDataException($"pin map {Board(board).Launch.PinMapPath} of {board} has no \"pair\" section: a pair of boards needs one on each board's map");
}
