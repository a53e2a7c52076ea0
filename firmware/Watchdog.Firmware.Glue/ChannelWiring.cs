using System.Device.Gpio;
using Watchdog.Firmware.Core.PinMaps;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The wires of every channel in a pin map, on a GpioController. Written once against the GPIO
    /// API that nanoFramework's System.Device.Gpio shares with .NET IoT's (GpioController,
    /// OpenPin(pin, PinMode), GpioPin.Read/Write, ValueChanged), so the ESP32 app and the Linux
    /// board run this same file, and the type-check project compiles it against System.Device.Gpio
    /// 4.2.0. Polarity comes from the pin map: callers see "asserted", never "high".
    /// Nothing here allocates after construction (the device's GC is not generational).
    /// </summary>
    public sealed class ChannelWiring
    {
        private readonly PinMap _map;
        private readonly GpioPin[] _heartbeat;
        private readonly EdgeCounter[] _counters;
        private readonly int[] _lastTotals;
        private readonly GpioPin[][] _powerGood;
        private readonly GpioPin[][] _link;
        private readonly GpioPin[] _reset;
        private readonly GpioPin[] _power;
        private readonly GpioPin?[] _fence;
        private readonly GpioPin?[] _role;
        private readonly int[] _outputsNow;
        private readonly EdgeTotalReader? _edgeTotals;
        private readonly GpioPin? _feed;
        private readonly GpioPin? _led;
        private readonly bool _releaseAtOpen;
        private readonly GpioPin? _pairHeartbeatOut;
        private readonly GpioPin? _peerHeartbeat;
        private readonly GpioPin? _peerReset;
        private readonly EdgeCounter? _peerCounter;
        private int _peerLastTotal;
        private bool _feedLevel;
        private bool _drove;

        public const int OutReset = 1;
        public const int OutPower = 2;
        public const int OutFence = 4;
        public const int OutRole = 8;

        /// <summary>
        /// Opens every pin of the map. Outputs are opened first and written de-asserted at once
        /// (a board that boots must not reset anyone: safety rule 4). With
        /// <paramref name="edgeTotals"/> null, heartbeat edges are counted by interrupts;
        /// otherwise they are read from it (the virtual rack).
        /// </summary>
        public ChannelWiring(GpioController controller, PinMap map, EdgeTotalReader? edgeTotals)
            : this(controller, map, edgeTotals, true)
        {
        }

        /// <summary>
        /// As above; <paramref name="releaseAtOpen"/> false for a board of a pair: its server
        /// outputs are wired in parallel with the other board's, so it leaves them untouched until
        /// it holds authority and drives them (and, stopping, releases only what it drove).
        /// </summary>
        public ChannelWiring(GpioController controller, PinMap map, EdgeTotalReader? edgeTotals, bool releaseAtOpen)
        {
            _map = map;
            _releaseAtOpen = releaseAtOpen;
            _edgeTotals = edgeTotals;
            int n = map.Channels.Length;
            _heartbeat = new GpioPin[n];
            _counters = new EdgeCounter[n];
            _lastTotals = new int[n];
            _powerGood = new GpioPin[n][];
            _link = new GpioPin[n][];
            _reset = new GpioPin[n];
            _power = new GpioPin[n];
            _fence = new GpioPin?[n];
            _role = new GpioPin?[n];
            _outputsNow = new int[n];

            for (int i = 0; i < n; i++)
            {
                ChannelPins ch = map.Channels[i];
                _reset[i] = OpenOutput(controller, ch.Reset);
                _power[i] = OpenOutput(controller, ch.Power);
                _fence[i] = ch.Fence >= 0 ? OpenOutput(controller, ch.Fence) : null;
                _role[i] = ch.Role >= 0 ? OpenOutput(controller, ch.Role) : null;
            }

            _feed = map.WatchdogFeed >= 0 ? controller.OpenPin(map.WatchdogFeed, PinMode.Output) : null;
            _led = map.StatusLed >= 0 ? controller.OpenPin(map.StatusLed, PinMode.Output) : null;
            if (map.Pair != null)
            {
                _pairHeartbeatOut = controller.OpenPin(map.Pair.HeartbeatOut, PinMode.Output);
                _peerReset = controller.OpenPin(map.Pair.PeerReset, PinMode.Output);
                _peerReset.Write(Level(false));
                _peerHeartbeat = controller.OpenPin(map.Pair.PeerHeartbeat, PinMode.Input);
                _peerCounter = new EdgeCounter();
                if (edgeTotals == null) { _peerHeartbeat.ValueChanged += _peerCounter.OnValueChanged; }
                else { _peerLastTotal = edgeTotals(map.Pair.PeerHeartbeat); }
            }

            for (int i = 0; i < n; i++)
            {
                ChannelPins ch = map.Channels[i];
                _heartbeat[i] = controller.OpenPin(ch.Heartbeat, PinMode.Input);
                _counters[i] = new EdgeCounter();
                if (edgeTotals == null)
                {
                    _heartbeat[i].ValueChanged += _counters[i].OnValueChanged;
                }
                else
                {
                    _lastTotals[i] = edgeTotals(ch.Heartbeat);
                }

                _powerGood[i] = OpenInputs(controller, ch.PowerGood);
                _link[i] = OpenInputs(controller, ch.Link);
            }
        }

        public PinMap Map { get { return _map; } }

        public int ChannelCount { get { return _heartbeat.Length; } }

        /// <summary>Heartbeat edges on channel <paramref name="channel"/> since the previous call.</summary>
        public int TakeHeartbeatEdges(int channel)
        {
            return TakeEdges(_counters[channel], _map.Channels[channel].Heartbeat, ref _lastTotals[channel]);
        }

        // Interrupt counts, or the wire file's running totals (the virtual rack) since the last call.
        private int TakeEdges(EdgeCounter counter, int gpio, ref int lastTotal)
        {
            if (_edgeTotals == null)
            {
                return counter.Take();
            }

            int total = _edgeTotals(gpio);
            int delta = total - lastTotal; // wraps correctly in unchecked int arithmetic
            lastTotal = total;
            return delta < 0 ? 0 : delta;
        }

        public int PowerGoodCount(int channel) { return _powerGood[channel].Length; }

        public int LinkCount(int channel) { return _link[channel].Length; }

        /// <summary>True when power-good input <paramref name="index"/> of the channel is asserted.</summary>
        public bool PowerGood(int channel, int index) { return Asserted(_powerGood[channel][index]); }

        /// <summary>True when link input <paramref name="index"/> of the channel is asserted (link up).</summary>
        public bool Link(int channel, int index) { return Asserted(_link[channel][index]); }

        /// <summary>
        /// Drives the channel's relays: <paramref name="outputs"/> is a set of Out* flags (the core's
        /// RelayLevels.Mask). Every pin is written every time, changed or not, so a pin glitched by
        /// noise or by another process is corrected within one tick (the core's output contract).
        /// A flag for a relay the channel has no pin for is ignored.
        /// </summary>
        public void SetOutputs(int channel, int outputs)
        {
            _drove = true;
            Drive(_reset[channel], (outputs & OutReset) != 0);
            Drive(_power[channel], (outputs & OutPower) != 0);
            Drive(_fence[channel], (outputs & OutFence) != 0);
            Drive(_role[channel], (outputs & OutRole) != 0);
            _outputsNow[channel] = outputs;
        }

        /// <summary>The Out* flags currently driven on the channel.</summary>
        public int Outputs(int channel) { return _outputsNow[channel]; }

        /// <summary>Toggles the external watchdog IC's feed pin; call once per healthy tick loop pass.</summary>
        public void FeedExternalWatchdog()
        {
            if (_feed != null)
            {
                _feedLevel = !_feedLevel;
                _feed.Write(_feedLevel ? PinValue.High : PinValue.Low);
            }
        }

        /// <summary>Heartbeat edges on the pair peer's heartbeat wire since the last call (0 without a pair).</summary>
        public int TakePeerHeartbeatEdges()
        {
            if (_peerHeartbeat == null || _peerCounter == null) { return 0; }
            return TakeEdges(_peerCounter, _map.Pair!.PeerHeartbeat, ref _peerLastTotal);
        }

        /// <summary>Drives the pair wires: our heartbeat to the peer, and the peer's reset line.</summary>
        public void SetPairOutputs(bool heartbeatLevel, bool holdPeerInReset)
        {
            if (_pairHeartbeatOut != null) { _pairHeartbeatOut.Write(heartbeatLevel ? PinValue.High : PinValue.Low); }
            if (_peerReset != null) { _peerReset.Write(Level(holdPeerInReset)); }
        }

        public void SetStatusLed(bool on)
        {
            if (_led != null)
            {
                _led.Write(on ? PinValue.High : PinValue.Low);
            }
        }

        /// <summary>De-asserts every relay: a board that stops leaves every server running (fail-safe outputs).</summary>
        public void ReleaseAll()
        {
            if (_peerReset != null) { _peerReset.Write(Level(false)); }
            if (!_drove && !_releaseAtOpen) { return; }
            for (int i = 0; i < _reset.Length; i++)
            {
                SetOutputs(i, 0);
            }
        }

        private bool Asserted(GpioPin pin)
        {
            bool high = pin.Read() == PinValue.High;
            return _map.InputsActiveLow ? !high : high;
        }

        private void Drive(GpioPin? pin, bool asserted)
        {
            if (pin != null)
            {
                pin.Write(Level(asserted));
            }
        }

        private PinValue Level(bool asserted)
        {
            return asserted == _map.OutputsActiveHigh ? PinValue.High : PinValue.Low;
        }

        private GpioPin OpenOutput(GpioController controller, int gpio)
        {
            GpioPin pin = controller.OpenPin(gpio, PinMode.Output);
            if (_releaseAtOpen) { pin.Write(Level(false)); }
            return pin;
        }

        private static GpioPin[] OpenInputs(GpioController controller, int[] gpios)
        {
            GpioPin[] pins = new GpioPin[gpios.Length];
            for (int i = 0; i < gpios.Length; i++)
            {
                pins[i] = controller.OpenPin(gpios[i], PinMode.Input);
            }

            return pins;
        }
    }
}
