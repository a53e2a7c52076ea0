using System.Collections.Concurrent;
using System.Device.Gpio;

namespace Watchdog.VirtualWires;

/// <summary>
/// A System.Device.Gpio driver over a <see cref="WireFile"/>, so board and agent code use
/// <c>new GpioController(new VirtualWireDriver(path))</c> exactly as on real pins. Pin numbers are
/// the wire file's pin indexes (the gpio numbers of hardware/boards/virtual-rack.json).
/// Value-changed callbacks come from a poller thread (about 1 ms), once per edge, computed from the
/// edge counter, so no edge is lost however fast the other side toggles.
/// </summary>
public sealed class VirtualWireDriver : GpioDriver
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(1);
    private readonly WireFile wires;
    private readonly bool ownsWires;
    private readonly WireWriter writer;
    private readonly ConcurrentDictionary<int, PinMode> openPins = new();
    private readonly Lock subscriptionsGate = new();
    private readonly Dictionary<int, PinWatch> watches = [];
    private Thread? poller;
    private volatile bool stopping;

    /// <summary>Opens (or creates, with <see cref="WireFile.DefaultPinCount"/> pins) the wire file at the path.</summary>
    public VirtualWireDriver(string wireFilePath)
        : this(WireFile.OpenOrCreate(wireFilePath), WireWriter.Unspecified, ownsWires: true)
    {
    }

    /// <summary>Opens or creates the wire file and records <paramref name="writer"/> as the driver of every pin this driver writes.</summary>
    public VirtualWireDriver(string wireFilePath, WireWriter writer, int pinCountIfCreated = WireFile.DefaultPinCount)
        : this(WireFile.OpenOrCreate(wireFilePath, pinCountIfCreated), writer, ownsWires: true)
    {
    }

    /// <summary>Uses an already open wire file (it stays open after this driver is disposed unless <paramref name="ownsWires"/>).</summary>
    public VirtualWireDriver(WireFile wires, WireWriter writer, bool ownsWires = false)
    {
        this.wires = wires;
        this.writer = writer;
        this.ownsWires = ownsWires;
    }

    /// <summary>The wire file behind this driver.</summary>
    public WireFile Wires => wires;

    protected override int PinCount => wires.PinCount;

    /// <summary>
    /// The pin's edge counter (both directions; wraps, subtract unchecked). The board's heartbeat
    /// path reads this where the ESP32 reads its hardware pulse counter. It is the readers' count:
    /// it stands still while the wire is cut.
    /// </summary>
    public int ReadEdgeCount(int pin) => unchecked((int)wires.ReadEdgeCount(pin));

    protected override void OpenPin(int pinNumber)
    {
        CheckPin(pinNumber);
        openPins.TryAdd(pinNumber, PinMode.Input);
    }

    protected override void ClosePin(int pinNumber)
    {
        // Like a released line, the level stays where it was; a relay output is only "released"
        // for the simulated server when its writer process is gone (see WireFile.IsWriterAlive).
        openPins.TryRemove(pinNumber, out _);
        lock (subscriptionsGate)
        {
            watches.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        if (!IsPinModeSupported(pinNumber, mode))
        {
            throw new ArgumentException($"virtual wire pin {pinNumber} does not support mode {mode}", nameof(mode));
        }

        openPins[RequireOpen(pinNumber)] = mode;
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        SetPinMode(pinNumber, mode);
        if (mode == PinMode.Output)
        {
            Write(pinNumber, initialValue);
        }
    }

    protected override PinMode GetPinMode(int pinNumber) =>
        openPins.TryGetValue(pinNumber, out PinMode mode) ? mode : throw NotOpen(pinNumber);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp or PinMode.InputPullDown;

    /// <summary>
    /// An input reads the wire as its readers see it (frozen while cut: WireFile.SetCut); an output
    /// reads back its own latch, the level it drives, as a real pin does, cut or not.
    /// </summary>
    protected override PinValue Read(int pinNumber) => ReadLevel(pinNumber) ? PinValue.High : PinValue.Low;

    // From the latch: toggling an output whose wire is cut must keep toggling the driven level.
    protected override void Toggle(int pinNumber) => Write(pinNumber, !wires.ReadDriven(RequireOpen(pinNumber)));

    protected override void Write(int pinNumber, PinValue value)
    {
        if (GetPinMode(pinNumber) != PinMode.Output)
        {
            throw new InvalidOperationException($"virtual wire pin {pinNumber} is an input: set it to PinMode.Output before writing");
        }

        wires.Write(pinNumber, value == PinValue.High, writer);
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        RequireOpen(pinNumber);
        WireSample last = wires.Sample(pinNumber);
        while (!cancellationToken.IsCancellationRequested)
        {
            cancellationToken.WaitHandle.WaitOne(PollInterval);
            WireSample now = wires.Sample(pinNumber);
            uint edges = EdgeReplay.Between(last.EdgeCount, now.EdgeCount);
            for (uint i = 1; i <= edges; i++)
            {
                PinEventTypes edge = EdgeReplay.EdgeAt(last.Value, i);
                if ((edge & eventTypes) != 0)
                {
                    return new WaitForEventResult { EventTypes = edge, TimedOut = false };
                }
            }

            last = now;
        }

        return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        RequireOpen(pinNumber);
        lock (subscriptionsGate)
        {
            if (!watches.TryGetValue(pinNumber, out PinWatch? watch))
            {
                watch = new PinWatch(wires.Sample(pinNumber));
                watches.Add(pinNumber, watch);
            }

            watch.Subscribers.Add((eventTypes, callback));
            if (poller is null)
            {
                poller = new Thread(Poll) { IsBackground = true, Name = "virtual-wire-poller" };
                poller.Start();
            }
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (subscriptionsGate)
        {
            if (watches.TryGetValue(pinNumber, out PinWatch? watch))
            {
                watch.Subscribers.RemoveAll(s => s.Callback == callback);
                if (watch.Subscribers.Count == 0)
                {
                    watches.Remove(pinNumber);
                }
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        stopping = true;
        if (poller is not null && poller != Thread.CurrentThread)
        {
            poller.Join();
        }

        if (disposing && ownsWires)
        {
            wires.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Poll()
    {
        var due = new List<(PinChangeEventHandler Callback, PinValueChangedEventArgs Args)>();
        while (!stopping)
        {
            lock (subscriptionsGate)
            {
                foreach ((int pin, PinWatch watch) in watches)
                {
                    WireSample now = wires.Sample(pin);
                    uint edges = EdgeReplay.Between(watch.Last.EdgeCount, now.EdgeCount);
                    for (uint i = 1; i <= edges; i++)
                    {
                        PinEventTypes edge = EdgeReplay.EdgeAt(watch.Last.Value, i);
                        foreach ((PinEventTypes types, PinChangeEventHandler callback) in watch.Subscribers)
                        {
                            if ((types & edge) != 0)
                            {
                                due.Add((callback, new PinValueChangedEventArgs(edge, pin)));
                            }
                        }
                    }

                    watch.Last = now;
                }
            }

            // Raised outside the lock so a callback may add or remove callbacks.
            foreach ((PinChangeEventHandler callback, PinValueChangedEventArgs args) in due)
            {
                callback(this, args);
            }

            due.Clear();
            Thread.Sleep(PollInterval);
        }
    }

    private bool ReadLevel(int pinNumber)
    {
        RequireOpen(pinNumber);
        return GetPinMode(pinNumber) == PinMode.Output ? wires.ReadDriven(pinNumber) : wires.Read(pinNumber);
    }

    private void CheckPin(int pinNumber)
    {
        if ((uint)pinNumber >= (uint)wires.PinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"pin {pinNumber} is outside {wires} (0-{wires.PinCount - 1})");
        }
    }

    private int RequireOpen(int pinNumber) => openPins.ContainsKey(pinNumber) ? pinNumber : throw NotOpen(pinNumber);

    private InvalidOperationException NotOpen(int pinNumber) => new($"virtual wire pin {pinNumber} of {wires} is not open");

    private sealed class PinWatch(WireSample last)
    {
        public WireSample Last { get; set; } = last;

        public List<(PinEventTypes Types, PinChangeEventHandler Callback)> Subscribers { get; } = [];
    }
}
