using System.Collections;
using Watchdog.Protocol.Json;

namespace Watchdog.Firmware.Core.PinMaps
{
    /// <summary>
    /// Field access for PinMapReader that records the first error instead of throwing, so the
    /// reader reads like a list of fields and the message names the first field that is wrong.
    /// </summary>
    internal sealed class Cursor
    {
        public string Error = "";

        public bool Ok { get { return Error.Length == 0; } }

        public void Fail(string message)
        {
            if (Error.Length == 0)
            {
                Error = message;
            }
        }

        /// <summary>A string member; <paramref name="prefix"/> goes before the name in messages ("channels[0].").</summary>
        public string String(JsonNode obj, string name, string prefix, bool required)
        {
            string where = prefix + name;
            JsonNode? node = Member(obj, name, where, required, "a string is required");
            if (node == null || !Expect(node, node.Kind == JsonKind.String, where, "a string"))
            {
                return "";
            }

            return node.AsString();
        }

        public double Number(JsonNode obj, string name, double fallback, bool required)
        {
            JsonNode? node = Member(obj, name, name, required, "a number is required");
            if (node == null || !Expect(node, node.Kind == JsonKind.Number, name, "a number"))
            {
                return fallback;
            }

            return node.AsDouble();
        }

        /// <summary>A required true/false at the top level.</summary>
        public bool Boolean(JsonNode obj, string name, bool required)
        {
            return Boolean(obj, name, false, name, required);
        }

        /// <summary>An optional true/false that defaults to <paramref name="fallback"/>.</summary>
        public bool Boolean(JsonNode obj, string name, bool fallback, string where)
        {
            return Boolean(obj, name, fallback, where, false);
        }

        private bool Boolean(JsonNode obj, string name, bool fallback, string where, bool required)
        {
            JsonNode? node = Member(obj, name, where, required, "true or false is required; polarity is never guessed");
            if (node == null || !Expect(node, node.IsBoolean, where, "true or false"))
            {
                return fallback;
            }

            return node.AsBoolean();
        }

        public JsonNode? Array(JsonNode obj, string name, string where, bool required)
        {
            JsonNode? node = Member(obj, name, where, required, "an array is required");
            if (node == null || !Expect(node, node.Kind == JsonKind.Array, where, "an array"))
            {
                return null;
            }

            return node;
        }

        /// <summary>Item <paramref name="index"/> of an array, which must be an object; null (and failed) when it is not.</summary>
        public JsonNode? Object(JsonNode array, int index, string where)
        {
            JsonNode item = array.Item(index);
            return Expect(item, item.Kind == JsonKind.Object, where, "an object") ? item : null;
        }

        /// <summary>A required GPIO number.</summary>
        public int Pin(JsonNode obj, string name, string where)
        {
            JsonNode? node = Member(obj, name, where, true, "a GPIO number is required");
            return node == null ? -1 : PinValue(node, where);
        }

        /// <summary>An optional GPIO number: absent or null gives -1.</summary>
        public int OptionalPin(JsonNode obj, string name, string where)
        {
            JsonNode? node = Member(obj, name, where, false, "");
            return node == null ? -1 : PinValue(node, where);
        }

        /// <summary>An array of GPIO numbers (may be empty: a server without that signal wired).</summary>
        public int[] PinList(JsonNode obj, string name, string where)
        {
            JsonNode? node = Member(obj, name, where, false, "");
            if (node == null || !Expect(node, node.Kind == JsonKind.Array, where, "an array of GPIO numbers"))
            {
                return new int[0];
            }

            if (node.Count > PinMapReader.MaxSignalsPerKind)
            {
                Fail(where + ": " + node.Count.ToString() + " pins is more than the " + PinMapReader.MaxSignalsPerKind.ToString() + " a channel can have");
                return new int[0];
            }

            int[] pins = new int[node.Count];
            for (int i = 0; i < pins.Length; i++)
            {
                pins[i] = PinValue(node.Item(i), where + "[" + i.ToString() + "]");
            }

            return pins;
        }

        /// <summary>
        /// Member <paramref name="name"/> of <paramref name="obj"/>; null when it is absent or JSON null,
        /// which fails with "missing (<paramref name="requirement"/>)" only when it is required.
        /// </summary>
        private JsonNode? Member(JsonNode obj, string name, string where, bool required, string requirement)
        {
            JsonNode? node = obj.Get(name);
            if (node != null && !node.IsNull)
            {
                return node;
            }

            if (required)
            {
                Fail(where + ": missing (" + requirement + ")");
            }

            return null;
        }

        /// <summary>Whether <paramref name="node"/> is what the caller wants; when not, fails naming <paramref name="expected"/> and what was found.</summary>
        private bool Expect(JsonNode node, bool isExpected, string where, string expected)
        {
            if (!isExpected)
            {
                Fail(where + ": expected " + expected + ", found " + JsonNode.Describe(node.Kind));
            }

            return isExpected;
        }

        private int PinValue(JsonNode node, string where)
        {
            if (node.Kind != JsonKind.Number || !node.IsInteger)
            {
                Fail(where + ": expected a GPIO number, found " + (node.Kind == JsonKind.Number ? "a fraction" : JsonNode.Describe(node.Kind)));
                return -1;
            }

            long value = node.AsInt64();
            if (value < 0 || value > PinMapReader.MaxGpio)
            {
                Fail(where + ": GPIO " + value.ToString() + " is out of range (0-" + PinMapReader.MaxGpio.ToString() + ")");
                return -1;
            }

            return (int)value;
        }
    }

    /// <summary>Tracks which GPIO each signal took, against what the board offers and reserves.</summary>
    internal sealed class PinUse
    {
        private readonly PinInfo[] _pins;
        private readonly ReservedPin[] _reserved;
        private readonly ArrayList _warnings;
        private readonly ArrayList _claimedPins = new ArrayList();
        private readonly ArrayList _claimedBy = new ArrayList();

        public PinUse(PinInfo[] pins, ReservedPin[] reserved, ArrayList warnings)
        {
            _pins = pins;
            _reserved = reserved;
            _warnings = warnings;
        }

        public void Claim(int gpio, bool output, string where, Cursor c)
        {
            if (!c.Ok)
            {
                return;
            }

            for (int i = 0; i < _reserved.Length; i++)
            {
                if (_reserved[i].Gpio == gpio)
                {
                    c.Fail(where + ": GPIO " + gpio.ToString() + " is reserved (" + _reserved[i].Reason + ")");
                    return;
                }
            }

            for (int i = 0; i < _claimedPins.Count; i++)
            {
                if ((int)_claimedPins[i]! == gpio)
                {
                    c.Fail(where + ": GPIO " + gpio.ToString() + " is already used by " + (string)_claimedBy[i]!);
                    return;
                }
            }

            PinInfo? pin = null;
            for (int i = 0; i < _pins.Length; i++)
            {
                if (_pins[i].Gpio == gpio)
                {
                    pin = _pins[i];
                }
            }

            if (pin == null)
            {
                c.Fail(where + ": GPIO " + gpio.ToString() + " is not in pins[] (the board does not offer it)");
                return;
            }

            if (output && !pin.Output)
            {
                c.Fail(where + ": GPIO " + gpio.ToString() + " cannot drive an output (pins[] says input only" + NoteOf(pin) + ")");
                return;
            }

            if (!output && !pin.Input)
            {
                c.Fail(where + ": GPIO " + gpio.ToString() + " cannot be read as an input" + NoteOf(pin));
                return;
            }

            if (output && pin.Strapping)
            {
                // The peer's reset line is the one output whose twitch costs more than a relay click: it restarts the other board.
                string effect = where == "pair.peer_reset"
                    ? "the other board's reset line may twitch while this board boots and restart it; use another pin"
                    : "its relay may twitch while the board boots; use a relay input that ignores short pulses or another pin";
                _warnings.Add(where + ": GPIO " + gpio.ToString() + " is a strapping pin: " + effect);
            }

            _claimedPins.Add(gpio);
            _claimedBy.Add(where);
        }

        private static string NoteOf(PinInfo pin)
        {
            return pin.Note.Length == 0 ? "" : ": " + pin.Note;
        }
    }
}
