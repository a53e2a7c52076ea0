using System.Text;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.VirtualWires;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The test's side of the virtual rack: the wire file the board opens with --wires, the pins of
/// virtual-rack.json, heartbeat feeders that toggle a node's heartbeat wire like an agent does,
/// and a board config with short timings. Inputs are active low on this rack (as on the real
/// opto-coupler wiring), so "power good" and "link up" are wires held low.
/// </summary>
internal sealed class VirtualRack : IDisposable
{
    private readonly Dictionary<string, CancellationTokenSource> _feeders = [];
    private readonly List<Thread> _feederThreads = [];

    public VirtualRack(TempDirectory dir)
    {
        WiresPath = dir.File("wires");
        Wires = WireFile.Create(WiresPath);
        PinMapPath = Repository.Path("hardware/boards/virtual-rack.json");
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(PinMapPath), out PinMap? map, out string error), error);
        Map = map!;
        foreach (ChannelPins channel in Map.Channels)
        {
            foreach (int pg in channel.PowerGood) { Wires.Write(pg, Map.InputsActiveLow ? false : true, WireWriter.Server); }
            foreach (int link in channel.Link) { Wires.Write(link, Map.InputsActiveLow ? false : true, WireWriter.Server); }
        }
    }

    public string WiresPath { get; }
    public WireFile Wires { get; }
    public string PinMapPath { get; }
    public PinMap Map { get; }

    public ChannelPins Channel(string name) => Map.FindChannel(name) ?? throw new ArgumentException("no channel " + name);

    /// <summary>
    /// Toggles the channel's heartbeat wire every <paramref name="halfPeriodMs"/> ms until
    /// StopHeartbeat. A dedicated thread, like the agent's own process: a thread-pool feeder stalls
    /// for most of a second whenever the test host blocks pool threads (process start and exit),
    /// and the board then rightly sees a dead heartbeat.
    /// </summary>
    public void StartHeartbeat(string channel, int halfPeriodMs = 10)
    {
        var cts = new CancellationTokenSource();
        _feeders[channel] = cts;
        int pin = Channel(channel).Heartbeat;
        var feeder = new Thread(() =>
        {
            while (!cts.Token.WaitHandle.WaitOne(halfPeriodMs))
            {
                Wires.Toggle(pin, WireWriter.Agent);
            }
        })
        { IsBackground = true, Name = "heartbeat " + channel };
        _feederThreads.Add(feeder);
        feeder.Start();
    }

    public void StopHeartbeat(string channel)
    {
        if (_feeders.Remove(channel, out CancellationTokenSource? cts))
        {
            cts.Cancel();
        }
    }

    /// <summary>Edges the board has driven on a channel's relay outputs (reset, power, fence) so far.</summary>
    public uint RelayEdges(string channel)
    {
        ChannelPins p = Channel(channel);
        uint edges = Wires.ReadEdgeCount(p.Reset) + Wires.ReadEdgeCount(p.Power);
        if (p.Fence >= 0) { edges += Wires.ReadEdgeCount(p.Fence); }
        return edges;
    }

    /// <summary>
    /// Ticks the board has run: it toggles its external watchdog's feed pin once per tick, so this
    /// counts the board's own time where no MQTT message can (the broker is down, say).
    /// </summary>
    public uint BoardTicks => Wires.ReadEdgeCount(Map.WatchdogFeed);

    public bool Asserted(int outputPin) => Wires.Read(outputPin) == Map.OutputsActiveHigh;

    public static string WriteConfig(TempDirectory dir, string json)
    {
        string path = dir.File("board.json");
        File.WriteAllText(path, json, Encoding.UTF8);
        return path;
    }

    public void Dispose()
    {
        foreach (CancellationTokenSource cts in _feeders.Values) { cts.Cancel(); }
        foreach (Thread feeder in _feederThreads) { feeder.Join(TimeSpan.FromSeconds(2)); }
        Wires.Dispose();
    }
}
