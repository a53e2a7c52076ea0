using System.Collections;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;

namespace Watchdog.Firmware.Core.PinMaps
{
    /// <summary>
    /// Reads a pin map (hardware/boards/&lt;board&gt;.json). Never throws on bad input: it returns false
    /// with one sentence naming the field and what is wrong ("pin map: channels[1].reset: GPIO 6 is
    /// reserved (flash)"). Checks what would otherwise hurt on the bench: a channel pin the board
    /// does not offer, an input used as an output, a pin used twice, a reserved pin used at all.
    /// </summary>
    public static class PinMapReader
    {
        /// <summary>Pin maps carry notes for every pin, so they are allowed to be larger than a message.</summary>
        private static readonly JsonLimits Limits = new JsonLimits { MaxBytes = 65536, MaxMembers = 512, MaxDepth = 8 };

        public const int MaxGpio = 1023;
        public const int MaxSignalsPerKind = 8;

        public static bool TryRead(byte[] json, out PinMap? map, out string error)
        {
            map = null;
            error = "";
            if (json == null || json.Length == 0)
            {
                error = "pin map: the file is empty";
                return false;
            }

            JsonNode? root;
            CodecError? parseError;
            if (!JsonParser.TryParse(json, 0, json.Length, Limits, out root, out parseError) || root == null)
            {
                error = "pin map: not valid JSON: " + (parseError == null ? "unknown error" : parseError.Text);
                return false;
            }

            if (root.Kind != JsonKind.Object)
            {
                error = "pin map: the top level must be an object, found " + JsonNode.Describe(root.Kind);
                return false;
            }

            Cursor c = new Cursor();
            map = Read(root, c);
            if (c.Error.Length > 0)
            {
                map = null;
                error = "pin map: " + c.Error;
                return false;
            }

            return true;
        }

        private static PinMap? Read(JsonNode root, Cursor c)
        {
            string board = c.String(root, "board", "", true);
            if (c.Ok && !TopicTree.IsValidName(board))
            {
                c.Fail("board: '" + board + "' must be 1-64 characters without '/', '+', '#' or spaces (it becomes part of MQTT topics)");
            }

            string title = c.String(root, "title", "", false);
            string platformWord = c.String(root, "platform", "", true);
            PinPlatform platform = PinPlatform.Virtual;
            if (c.Ok)
            {
                if (platformWord == "esp32") { platform = PinPlatform.Esp32; }
                else if (platformWord == "linux") { platform = PinPlatform.Linux; }
                else if (platformWord == "virtual") { platform = PinPlatform.Virtual; }
                else { c.Fail("platform: '" + platformWord + "' is not one of esp32, linux, virtual"); }
            }

            string nanoff = c.String(root, "nanoff_target", "", c.Ok && platform == PinPlatform.Esp32);
            string chip = ReadChip(root, c, platform == PinPlatform.Linux);
            double volts = c.Number(root, "logic_volts", 3.3, false);
            bool inputsActiveLow = c.Boolean(root, "inputs_active_low", true);
            bool outputsActiveHigh = c.Boolean(root, "outputs_active_high", true);
            PinInfo[] pins = ReadPins(root, c);
            ReservedPin[] reserved = ReadReserved(root, c);
            int feed = c.OptionalPin(root, "watchdog_feed", "watchdog_feed");
            int led = c.OptionalPin(root, "status_led", "status_led");
            ChannelPins[] channels = ReadChannels(root, c);
            PairPins? pair = ReadPair(root, c);
            if (!c.Ok)
            {
                return null;
            }

            ArrayList warnings = new ArrayList();
            PinUse use = new PinUse(pins, reserved, warnings);
            if (feed >= 0) { use.Claim(feed, true, "watchdog_feed", c); }
            if (led >= 0) { use.Claim(led, true, "status_led", c); }
            for (int i = 0; i < channels.Length && c.Ok; i++)
            {
                ClaimChannel(channels[i], "channels[" + i.ToString() + "]", use, c);
            }

            if (pair != null)
            {
                use.Claim(pair.HeartbeatOut, true, "pair.heartbeat_out", c);
                use.Claim(pair.PeerHeartbeat, false, "pair.peer_heartbeat", c);
                use.Claim(pair.PeerReset, true, "pair.peer_reset", c);
            }

            if (!c.Ok)
            {
                return null;
            }

            string[] warningArray = new string[warnings.Count];
            for (int i = 0; i < warningArray.Length; i++)
            {
                warningArray[i] = (string)warnings[i]!;
            }

            return new PinMap(board, title, platform, nanoff, chip, volts, inputsActiveLow, outputsActiveHigh, pins, reserved, feed, led, channels, pair, warningArray);
        }

        private static string ReadChip(JsonNode root, Cursor c, bool required)
        {
            JsonNode? node = root.Get("gpio_chip");
            if (node == null || node.IsNull)
            {
                if (required && c.Ok)
                {
                    c.Fail("gpio_chip: a linux board must name its GPIO character device (\"gpiochip0\")");
                }

                return "";
            }

            if (node.Kind == JsonKind.Number && node.IsInteger && node.AsInt64() >= 0 && node.AsInt64() < 10000)
            {
                return node.AsInt64().ToString();
            }

            if (node.Kind == JsonKind.String)
            {
                return node.AsString();
            }

            c.Fail("gpio_chip: expected a name such as \"gpiochip0\" or a chip number, found " + JsonNode.Describe(node.Kind));
            return "";
        }

        private static PinInfo[] ReadPins(JsonNode root, Cursor c)
        {
            JsonNode? list = c.Array(root, "pins", "pins", true);
            if (list == null)
            {
                return new PinInfo[0];
            }

            PinInfo[] pins = new PinInfo[list.Count];
            for (int i = 0; i < list.Count && c.Ok; i++)
            {
                string where = "pins[" + i.ToString() + "]";
                JsonNode? item = c.Object(list, i, where);
                if (item == null)
                {
                    break;
                }

                int gpio = c.Pin(item, "gpio", where + ".gpio");
                bool input = c.Boolean(item, "input", false, where + ".input");
                bool output = c.Boolean(item, "output", false, where + ".output");
                bool strapping = c.Boolean(item, "strapping", false, where + ".strapping");
                string note = c.String(item, "note", where + ".", false);
                for (int j = 0; j < i && c.Ok; j++)
                {
                    if (pins[j].Gpio == gpio)
                    {
                        c.Fail(where + ".gpio: GPIO " + gpio.ToString() + " is listed twice (also pins[" + j.ToString() + "])");
                    }
                }

                pins[i] = new PinInfo(gpio, input, output, strapping, note);
            }

            return pins;
        }

        private static ReservedPin[] ReadReserved(JsonNode root, Cursor c)
        {
            JsonNode? list = c.Array(root, "reserved", "reserved", false);
            if (list == null)
            {
                return new ReservedPin[0];
            }

            ReservedPin[] reserved = new ReservedPin[list.Count];
            for (int i = 0; i < list.Count && c.Ok; i++)
            {
                string where = "reserved[" + i.ToString() + "]";
                JsonNode? item = c.Object(list, i, where);
                if (item == null)
                {
                    break;
                }

                reserved[i] = new ReservedPin(c.Pin(item, "gpio", where + ".gpio"), c.String(item, "reason", where + ".", false));
            }

            return reserved;
        }

        private static ChannelPins[] ReadChannels(JsonNode root, Cursor c)
        {
            JsonNode? list = c.Array(root, "channels", "channels", true);
            if (list == null)
            {
                return new ChannelPins[0];
            }

            if (c.Ok && list.Count == 0)
            {
                c.Fail("channels: at least one channel is needed");
            }

            ChannelPins[] channels = new ChannelPins[list.Count];
            for (int i = 0; i < list.Count && c.Ok; i++)
            {
                string where = "channels[" + i.ToString() + "]";
                JsonNode? item = c.Object(list, i, where);
                if (item == null)
                {
                    break;
                }

                string name = c.String(item, "channel", where + ".", true);
                if (c.Ok && !TopicTree.IsValidName(name))
                {
                    c.Fail(where + ".channel: '" + name + "' must be 1-64 characters without '/', '+', '#' or spaces");
                }

                for (int j = 0; j < i && c.Ok; j++)
                {
                    if (channels[j].Channel == name)
                    {
                        c.Fail(where + ".channel: '" + name + "' is used twice (also channels[" + j.ToString() + "])");
                    }
                }

                int heartbeat = c.Pin(item, "heartbeat", where + ".heartbeat");
                int[] powerGood = c.PinList(item, "power_good", where + ".power_good");
                int[] link = c.PinList(item, "link", where + ".link");
                int reset = c.Pin(item, "reset", where + ".reset");
                int power = c.Pin(item, "power", where + ".power");
                int fence = c.OptionalPin(item, "fence", where + ".fence");
                int role = c.OptionalPin(item, "role", where + ".role");
                channels[i] = new ChannelPins(name, heartbeat, powerGood, link, reset, power, fence, role);
            }

            return channels;
        }

        /// <summary>The optional "pair" section; when present all three wires are required (half a pair cannot fence).</summary>
        private static PairPins? ReadPair(JsonNode root, Cursor c)
        {
            JsonNode? node = root.Get("pair");
            if (node == null || node.IsNull)
            {
                return null;
            }

            if (node.Kind != JsonKind.Object)
            {
                c.Fail("pair: expected an object {heartbeat_out, peer_heartbeat, peer_reset}, found " + JsonNode.Describe(node.Kind));
                return null;
            }

            int heartbeatOut = c.Pin(node, "heartbeat_out", "pair.heartbeat_out");
            int peerHeartbeat = c.Pin(node, "peer_heartbeat", "pair.peer_heartbeat");
            int peerReset = c.Pin(node, "peer_reset", "pair.peer_reset");
            return c.Ok ? new PairPins(heartbeatOut, peerHeartbeat, peerReset) : null;
        }

        private static void ClaimChannel(ChannelPins ch, string where, PinUse use, Cursor c)
        {
            use.Claim(ch.Heartbeat, false, where + ".heartbeat", c);
            for (int i = 0; i < ch.PowerGood.Length; i++)
            {
                use.Claim(ch.PowerGood[i], false, where + ".power_good[" + i.ToString() + "]", c);
            }

            for (int i = 0; i < ch.Link.Length; i++)
            {
                use.Claim(ch.Link[i], false, where + ".link[" + i.ToString() + "]", c);
            }

            use.Claim(ch.Reset, true, where + ".reset", c);
            use.Claim(ch.Power, true, where + ".power", c);
            if (ch.Fence >= 0) { use.Claim(ch.Fence, true, where + ".fence", c); }
            if (ch.Role >= 0) { use.Claim(ch.Role, true, where + ".role", c); }
        }
    }
}
