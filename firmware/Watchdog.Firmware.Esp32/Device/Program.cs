using System;
using System.Device.Gpio;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.Runtime.Native;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Pair;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Text;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Esp32
{
    /// <summary>
    /// The ESP32 app (device-only entry point). Order matters: the relays are opened de-asserted
    /// before the network (a booting board never resets anyone),
    /// the epoch is read before the core exists, and MQTT comes last. A configuration that does not
    /// read stops the app with the reason on the console; nothing is guessed. The supervisor thread
    /// starts with the tick loop.
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            TickSupervisor supervisor = new TickSupervisor(DeviceSettings.TickStallLimitMs, 500, Reboot);

            string error;
            byte[] boardJson = FlashFiles.ReadOrSeed(Path.Combine(DeviceSettings.FlashDirectory, "board.json"), DeviceSettings.DefaultBoardJson);
            byte[] pinJson = FlashFiles.ReadOrSeed(Path.Combine(DeviceSettings.FlashDirectory, "pins.json"), DeviceSettings.DefaultPinMapJson);
            BoardConfig? config;
            PinMap? map;
            if (!BoardConfigReader.TryRead(boardJson, out config, out error) || config == null)
            {
                Halt("board.json: " + error);
                return;
            }

            if (!PinMapReader.TryRead(pinJson, out map, out error) || map == null)
            {
                Halt("pins.json: " + error);
                return;
            }

            int[] pinChannel;
            if (!CoreGlue.TryBind(config, map, out pinChannel, out error))
            {
                Halt(error);
                return;
            }

            // Relays first, de-asserted: the constructor writes every output before anything else runs.
            // A board of a pair leaves them alone until it holds authority (wired in parallel with its peer's).
            ChannelWiring wiring = new ChannelWiring(new GpioController(), map, null, config.Pair == null);

            EpochSlots epochSlots = new EpochSlots(DeviceSettings.FlashDirectory);
            long epoch;
            string? commissioned;
            if (!epochSlots.TryLoad(out epoch, out commissioned, out error))
            {
                Halt(error);
                return;
            }

            LadderSlot ladder = new LadderSlot(DeviceSettings.FlashDirectory);
            string ladderWarning;
            string ladderEntries = ladder.Load(out ladderWarning);
            if (ladderWarning.Length > 0)
            {
                Console.WriteLine("watchdog: " + ladderWarning);
            }

            DeviceNetwork.Start(60000); // the core ticks without a network too; MQTT keeps retrying

            TopicTree topics = new TopicTree(config.Cluster);
            X509Certificate? ca = DeviceSettings.BrokerCaPem.Length == 0 ? null : new X509Certificate(DeviceSettings.BrokerCaPem);
            MqttSession mqtt = new MqttSession(DeviceSettings.BrokerHosts, DeviceSettings.BrokerPorts,
                "watchdog-board-" + config.Board + "-" + DeviceIdentity(), DeviceSettings.MqttUsername, DeviceSettings.MqttPassword, ca,
                topics.BoardStatus(config.Board),
                new string[] { topics.AllNodes(), topics.AllCommands() });
            mqtt.Publish(topics.BoardStatus(config.Board), MessageCodec.EncodePresence(Presence.Ready), true);

            DeviceSink sink = new DeviceSink(epochSlots, ladder, mqtt);
            KeyRing keys = Keys();
            CommandVerifier commands = new CommandVerifier(keys, new PortableHmacSha256(), ProtocolCommandVerifier.DefaultReplayWindow, ProtocolCommandVerifier.DefaultMaxClockSkewMs);
            // The replay ring starts empty: whatever was issued before this start may have been carried out already.
            commands.IssuedNotBefore = DeviceTickLoop.WallClockMs();
            WatchdogCore core = new WatchdogCore(config, epoch, new ProtocolCommandVerifier(commands));
            // Sealed grants and node states need this board's key; without one they are unauthenticated.
            SealedChannel? seals = keys.FirstOf(KeyRole.Board, config.Board).Length == 0 ? null : new SealedChannel(keys, new PortableHmacSha256(), KeyRole.Board, config.Board);
            Console.WriteLine(seals == null ? "watchdog: no key of this board in DeviceSettings.KeyLines: messages are NOT authenticated" : "watchdog: sealed messages on");
            // The wall clock is set by SNTP in DeviceNetwork.Start above; a clock still wrong here errs
            // on the safe side (RestoreLadder counts a time in the future as now).
            string ignored = core.RestoreLadder(ladderEntries, DeviceTickLoop.WallClockMs());
            if (ignored.Length > 0)
            {
                Console.WriteLine("watchdog: " + ignored);
            }

            // A store from before the commissioning record (null) leaves every member commissioned.
            ignored = commissioned == null ? "" : core.RestoreCommissioned(commissioned);
            if (ignored.Length > 0)
            {
                Console.WriteLine("watchdog: " + ignored);
            }

            CoreGlue glue = new CoreGlue(core, wiring, pinChannel, new OutboxEncoder(topics, config.Board, seals), sink);
            DeviceTickLoop loop = new DeviceTickLoop(core, glue, wiring, topics, config.Board, config.Timing.TickMs, 1000, mqtt, sink, supervisor,
                WatchdogCore.FirmwareVersion + " esp32", seals);

            if (config.Pair != null)
            {
                BoardPair pair = new BoardPair(config.Board, config.Pair, config.Timing.TickMs, epoch);
                IPairLink link = new UartPairLink(DeviceSettings.PairUartTxPin, DeviceSettings.PairUartRxPin, DeviceSettings.PairUartBaud);
                loop.UsePair(new PairGlue(pair, core, wiring, link, topics, sink), new RetainedInbox(topics, 4 * config.Channels.Length + 8));
            }

            if (DeviceSettings.MetricsReportIntervalMs > 0)
            {
                // The same report as the Linux board's --metrics-mqtt-interval-ms; sealed, so only with this board's key.
                if (seals == null)
                {
                    Console.WriteLine("watchdog: DeviceSettings.MetricsReportIntervalMs is set but KeyLines holds no key of this board: no metrics report");
                }
                else
                {
                    loop.UseMetricsReport(new BoardMetricsReporter(core, loop.Counters, topics, config.Board, WatchdogCore.FirmwareVersion + " esp32",
                        DeviceSettings.MetricsReportIntervalMs, seals, sink), mqtt);
                }
            }

            new Thread(mqtt.Run).Start();

            // The supervisor watches the tick loop only once it runs: the network wait above may take a minute.
            supervisor.Beat();
            new Thread(supervisor.Run).Start();
            if (!loop.Run())
            {
                // An epoch that cannot be made durable: rule 1 of CoreOutput says stop; a reboot retries from flash.
                Reboot(0);
            }
        }

        // The key file's lines (ClusterKeyFile: operator keys, this board's key, every node's key).
        private static KeyRing Keys()
        {
            KeyRing ring = new KeyRing();
            string error;
            if (DeviceSettings.KeyLines.Length > 0 && !ClusterKeyFile.TryParse(DeviceSettings.KeyLines, "DeviceSettings.KeyLines", ring, out error))
            {
                Console.WriteLine("watchdog: " + error + "; no keys: commands are refused and messages unauthenticated");
            }

            return ring;
        }

        private static string DeviceIdentity()
        {
            // Unique per boot as well as per device: mosquitto kicks a second connection with the same id.
            return Environment.TickCount64.ToString();
        }

        private static void Halt(string why)
        {
            Console.WriteLine("watchdog: cannot start: " + why);
            Thread.Sleep(Timeout.Infinite);
        }

        private static void Reboot(long stalledMs)
        {
            Console.WriteLine("watchdog: tick loop stalled for " + stalledMs.ToString() + " ms: rebooting");
            Power.RebootDevice();
        }
    }

    /// <summary>The device's side of IBoardSink: epoch and ladder record to flash, publishes to the MQTT session.</summary>
    internal sealed class DeviceSink : IBoardSink
    {
        private readonly EpochSlots _epoch;
        private readonly LadderSlot _ladder;
        private readonly MqttSession _mqtt;

        public DeviceSink(EpochSlots epoch, LadderSlot ladder, MqttSession mqtt)
        {
            _epoch = epoch;
            _ladder = ladder;
            _mqtt = mqtt;
        }

        public bool PersistLadder(string entries)
        {
            try
            {
                _ladder.Save(entries);
                return true;
            }
            catch (Exception e)
            {
                Console.WriteLine("ladder record '" + entries + "' not saved: " + e.Message);
                return false;
            }
        }

        public bool PersistEpoch(long epoch, string commissioned)
        {
            try
            {
                _epoch.Save(epoch, commissioned);
                return true;
            }
            catch (Exception e)
            {
                Console.WriteLine("epoch " + epoch.ToString() + " not saved: " + e.Message);
                return false;
            }
        }

        public void Publish(string topic, byte[] payload, bool retain)
        {
            _mqtt.Publish(topic, payload, retain);
        }

        public void Log(string line)
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>Configuration files on internal flash, seeded from DeviceSettings on first boot.</summary>
    internal static class FlashFiles
    {
        public static byte[] ReadOrSeed(string path, string seed)
        {
            if (!File.Exists(path))
            {
                if (seed.Length == 0)
                {
                    return new byte[0];
                }

                File.WriteAllBytes(path, Utf8.GetBytes(seed));
            }

            return File.ReadAllBytes(path);
        }
    }
}
