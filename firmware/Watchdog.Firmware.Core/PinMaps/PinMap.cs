namespace Watchdog.Firmware.Core.PinMaps
{
    /// <summary>Where the board runs; decides how GPIO is reached (ESP32 pins, a Linux gpiochip, the virtual rack's wire file).</summary>
    public enum PinPlatform { Esp32 = 0, Linux = 1, Virtual = 2 }

    /// <summary>
    /// A board's pin map, read from hardware/boards/&lt;board&gt;.json by PinMapReader. The same
    /// file drives the ESP32 app, the Linux board and the wiring docs. Absent optional pins are -1.
    /// </summary>
    public sealed class PinMap
    {
        public PinMap(string board, string title, PinPlatform platform, string nanoffTarget, string gpioChip, double logicVolts,
            bool inputsActiveLow, bool outputsActiveHigh, PinInfo[] pins, ReservedPin[] reserved, int watchdogFeed, int statusLed,
            ChannelPins[] channels, string[] warnings)
            : this(board, title, platform, nanoffTarget, gpioChip, logicVolts, inputsActiveLow, outputsActiveHigh, pins, reserved, watchdogFeed, statusLed,
                channels, null, warnings)
        {
        }

        public PinMap(string board, string title, PinPlatform platform, string nanoffTarget, string gpioChip, double logicVolts,
            bool inputsActiveLow, bool outputsActiveHigh, PinInfo[] pins, ReservedPin[] reserved, int watchdogFeed, int statusLed,
            ChannelPins[] channels, PairPins? pair, string[] warnings)
        {
            Board = board;
            Title = title;
            Platform = platform;
            NanoffTarget = nanoffTarget;
            GpioChip = gpioChip;
            LogicVolts = logicVolts;
            InputsActiveLow = inputsActiveLow;
            OutputsActiveHigh = outputsActiveHigh;
            Pins = pins;
            Reserved = reserved;
            WatchdogFeed = watchdogFeed;
            StatusLed = statusLed;
            Channels = channels;
            Pair = pair;
            Warnings = warnings;
        }

        public string Board { get; }
        public string Title { get; }
        public PinPlatform Platform { get; }
        /// <summary>nanoff --target name for ESP32 boards; "" elsewhere.</summary>
        public string NanoffTarget { get; }
        /// <summary>The gpiochip of a Linux board as written in the file ("gpiochip0", "/dev/gpiochip4" or "0"); "" elsewhere.</summary>
        public string GpioChip { get; }
        public double LogicVolts { get; }
        /// <summary>True when an input reads low while its signal is asserted (opto-coupler pulling down).</summary>
        public bool InputsActiveLow { get; }
        /// <summary>True when driving an output high asserts its relay.</summary>
        public bool OutputsActiveHigh { get; }
        public PinInfo[] Pins { get; }
        public ReservedPin[] Reserved { get; }
        /// <summary>Output toggled for an external watchdog IC; -1 when none.</summary>
        public int WatchdogFeed { get; }
        /// <summary>Status LED output; -1 when none.</summary>
        public int StatusLed { get; }
        public ChannelPins[] Channels { get; }
        /// <summary>The wires to the other board of a pair (the file's "pair" section); null when the board runs alone.</summary>
        public PairPins? Pair { get; }
        /// <summary>Things that are allowed but worth a look (an output on a strapping pin); printed at start.</summary>
        public string[] Warnings { get; }

        /// <summary>The channel called <paramref name="name"/>, or null.</summary>
        public ChannelPins? FindChannel(string name)
        {
            for (int i = 0; i < Channels.Length; i++)
            {
                if (Channels[i].Channel == name)
                {
                    return Channels[i];
                }
            }

            return null;
        }

        /// <summary>
        /// The gpiochip number of a Linux board ("gpiochip4", "/dev/gpiochip4" and "4" all give 4),
        /// or -1 when the file names none or names it in another form.
        /// </summary>
        public int GpioChipNumber()
        {
            string s = GpioChip;
            int slash = s.LastIndexOf('/');
            if (slash >= 0)
            {
                s = s.Substring(slash + 1);
            }

            if (s.StartsWith("gpiochip"))
            {
                s = s.Substring(8);
            }

            if (s.Length == 0 || s.Length > 4)
            {
                return -1;
            }

            int n = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                n = (n * 10) + (c - '0');
            }

            return n;
        }
    }

    /// <summary>One GPIO the board offers, and what it can do.</summary>
    public sealed class PinInfo
    {
        public PinInfo(int gpio, bool input, bool output, bool strapping, string note)
        {
            Gpio = gpio;
            Input = input;
            Output = output;
            Strapping = strapping;
            Note = note;
        }

        public int Gpio { get; }
        public bool Input { get; }
        public bool Output { get; }
        /// <summary>Sampled by the chip at reset: a relay on it may see a glitch while the board boots.</summary>
        public bool Strapping { get; }
        public string Note { get; }
    }

    /// <summary>A GPIO the board must not use (flash, Ethernet PHY, console) and why.</summary>
    public sealed class ReservedPin
    {
        public ReservedPin(int gpio, string reason)
        {
            Gpio = gpio;
            Reason = reason;
        }

        public int Gpio { get; }
        public string Reason { get; }
    }

    /// <summary>The wires of one server: inputs heartbeat, power-good, link; outputs reset, power, fence, role (-1 when not wired).</summary>
    public sealed class ChannelPins
    {
        public ChannelPins(string channel, int heartbeat, int[] powerGood, int[] link, int reset, int power, int fence, int role)
        {
            Channel = channel;
            Heartbeat = heartbeat;
            PowerGood = powerGood;
            Link = link;
            Reset = reset;
            Power = power;
            Fence = fence;
            Role = role;
        }

        public string Channel { get; }
        public int Heartbeat { get; }
        public int[] PowerGood { get; }
        public int[] Link { get; }
        public int Reset { get; }
        public int Power { get; }
        public int Fence { get; }
        public int Role { get; }
    }

    /// <summary>
    /// The wires between the two boards of a pair: our heartbeat out to the peer, the peer's
    /// heartbeat in, and the peer's reset line (driven by us, so a hung peer can be held out).
    /// </summary>
    public sealed class PairPins
    {
        public PairPins(int heartbeatOut, int peerHeartbeat, int peerReset)
        {
            HeartbeatOut = heartbeatOut;
            PeerHeartbeat = peerHeartbeat;
            PeerReset = peerReset;
        }

        /// <summary>Output: toggled every pair heartbeat period, wired to the peer's PeerHeartbeat.</summary>
        public int HeartbeatOut { get; }
        /// <summary>Input: the peer's heartbeat output.</summary>
        public int PeerHeartbeat { get; }
        /// <summary>Output: asserted holds the peer board in reset (wired to its EN/RUN line).</summary>
        public int PeerReset { get; }
    }
}
