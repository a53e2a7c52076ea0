using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.PinMaps;

namespace Watchdog.Firmware.Glue
{
    /// <summary>What a platform does with the core's output: durable epoch storage and MQTT publishing.</summary>
    public interface IBoardSink
    {
        /// <summary>
        /// Makes the epoch durable, with the commissioning record (CoreOutput.Commissioned) in the
        /// same record; returns only when it is. False when it cannot (the caller stops the board).
        /// </summary>
        bool PersistEpoch(long epoch, string commissioned);

        /// <summary>
        /// Makes the ladder record durable (CoreOutput.Ladder: power cycles under way, times of
        /// recent wire actions); the next start hands it to WatchdogCore.RestoreLadder. False when
        /// it cannot: the glue logs it and goes on (only a board restart is affected).
        /// </summary>
        bool PersistLadder(string entries);

        /// <summary>Queues a publish; must not block (the broker may be away).</summary>
        void Publish(string topic, byte[] payload, bool retain);

        /// <summary>A line for the operator's log.</summary>
        void Log(string line);
    }

    /// <summary>
    /// Binds the core to the wires and carries out its output in the order CoreOutput documents:
    /// 1. persist the epoch (and publish nothing if that fails) and the ladder record, 2. drive every relay (levels,
    /// every time), 3. publish the outbox in order. The ESP32 app and the Linux board share it.
    /// </summary>
    public sealed class CoreGlue
    {
        private readonly WatchdogCore _core;
        private readonly ChannelWiring _wiring;
        private readonly int[] _pinChannel;
        private readonly OutboxEncoder _encoder;
        private readonly IBoardSink _sink;

        public CoreGlue(WatchdogCore core, ChannelWiring wiring, int[] pinChannelOfConfig, OutboxEncoder encoder, IBoardSink sink)
        {
            _core = core;
            _wiring = wiring;
            _pinChannel = pinChannelOfConfig;
            _encoder = encoder;
            _sink = sink;
        }

        /// <summary>False once an epoch could not be persisted: the board must stop (and the device reboot).</summary>
        public bool Healthy { get; private set; } = true;

        /// <summary>Messages the outbox held that could not be encoded (a core/codec mismatch).</summary>
        public long Unencodable { get; private set; }

        /// <summary>
        /// Finds each configured channel's pins by name. The config says how many power-good and
        /// link inputs the core expects; the pin map must wire exactly that many.
        /// </summary>
        public static bool TryBind(BoardConfig config, PinMap map, out int[] pinChannelOfConfig, out string error)
        {
            pinChannelOfConfig = new int[config.Channels.Length];
            error = "";
            for (int i = 0; i < config.Channels.Length; i++)
            {
                ChannelConfig ch = config.Channels[i];
                int found = -1;
                for (int j = 0; j < map.Channels.Length; j++)
                {
                    if (map.Channels[j].Channel == ch.Name)
                    {
                        found = j;
                    }
                }

                if (found < 0)
                {
                    error = "board config channel '" + ch.Name + "' has no pins in pin map '" + map.Board + "' (it has " + ChannelNames(map) + ")";
                    return false;
                }

                ChannelPins pins = map.Channels[found];
                if (pins.PowerGood.Length < ch.PowerGoodInputs)
                {
                    error = "board config channel '" + ch.Name + "' expects " + ch.PowerGoodInputs.ToString() + " power-good inputs but pin map '" + map.Board + "' wires " + pins.PowerGood.Length.ToString();
                    return false;
                }

                if (pins.Link.Length < ch.LinkInputs)
                {
                    error = "board config channel '" + ch.Name + "' expects " + ch.LinkInputs.ToString() + " link inputs but pin map '" + map.Board + "' wires " + pins.Link.Length.ToString();
                    return false;
                }

                if (ch.HasFence && pins.Fence < 0)
                {
                    error = "board config channel '" + ch.Name + "' has a fence relay but pin map '" + map.Board + "' gives it no fence pin";
                    return false;
                }

                if (ch.HasRole && pins.Role < 0)
                {
                    error = "board config channel '" + ch.Name + "' has a role output but pin map '" + map.Board + "' gives it no role pin";
                    return false;
                }

                pinChannelOfConfig[i] = found;
            }

            return true;
        }

        /// <summary>Reads every configured channel's wires into the core's input (edges add up until the core takes them).</summary>
        public void Sample()
        {
            TickInput input = _core.Input;
            for (int i = 0; i < _pinChannel.Length; i++)
            {
                int p = _pinChannel[i];
                ChannelSample s = input.Channel(i);
                s.HeartbeatEdges = s.HeartbeatEdges + _wiring.TakeHeartbeatEdges(p);
                for (int k = 0; k < s.PowerGood.Length; k++)
                {
                    s.PowerGood[k] = _wiring.PowerGood(p, k);
                }

                for (int k = 0; k < s.Link.Length; k++)
                {
                    s.Link[k] = _wiring.Link(p, k);
                }
            }
        }

        /// <summary>Samples the wires, ticks the core and carries out its output.</summary>
        public void Tick(long wallClockMs)
        {
            Sample();
            Apply(_core.Tick(wallClockMs));
        }

        /// <summary>Carries out one output of Tick or Step, in the documented order.</summary>
        public void Apply(CoreOutput output)
        {
            if (!Healthy)
            {
                return;
            }

            if (output.EpochToPersist != 0 && !_sink.PersistEpoch(output.EpochToPersist, output.Commissioned))
            {
                // Rule 1 of CoreOutput: nothing from this output may be published.
                Healthy = false;
                _sink.Log("epoch " + output.EpochToPersist.ToString() + " could not be made durable: publishing nothing and stopping");
                return;
            }

            if (output.LadderChanged && !_sink.PersistLadder(output.Ladder))
            {
                _sink.Log("ladder record '" + output.Ladder + "' could not be made durable: after a board restart a power cycle under way would not be finished, and recent resets not counted against the cap");
            }

            for (int i = 0; i < _pinChannel.Length && i < output.RelayCount; i++)
            {
                _wiring.SetOutputs(_pinChannel[i], output.Relay(i).Mask);
            }

            for (int i = 0; i < output.Count; i++)
            {
                OutboxEntry entry = output.Entry(i);
                string topic = _encoder.TopicOf(entry);
                byte[]? payload = _encoder.PayloadOf(entry, topic, _core.WallClockMs);
                if (topic.Length == 0 || payload == null)
                {
                    Unencodable++;
                    continue;
                }

                _sink.Publish(topic, payload, entry.Retained);
            }
        }

        private static string ChannelNames(PinMap map)
        {
            string names = "";
            for (int i = 0; i < map.Channels.Length; i++)
            {
                names = names.Length == 0 ? map.Channels[i].Channel : names + ", " + map.Channels[i].Channel;
            }

            return names;
        }
    }
}
