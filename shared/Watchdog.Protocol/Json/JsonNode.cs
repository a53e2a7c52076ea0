namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// One parsed JSON value. Arrays keep their elements, objects their members in document
    /// order (names are unique: the parser refuses duplicates, so a reader and a signer cannot
    /// disagree about which of two values counts). Made only by JsonParser.
    /// </summary>
    public sealed class JsonNode
    {
        private readonly string _string;
        private readonly long _integer;
        private readonly double _double;
        private JsonNode[]? _items;
        private string[]? _names;
        private int _count;

        private JsonNode(JsonKind kind, int position, string text, long integer, double number, bool isInteger)
        {
            Kind = kind;
            Position = position;
            _string = text;
            _integer = integer;
            _double = number;
            IsInteger = isInteger;
            _items = null;
            _names = null;
            _count = 0;
        }

        public JsonKind Kind { get; }

        /// <summary>Byte offset in the payload where this value starts (for error messages).</summary>
        public int Position { get; }

        /// <summary>Elements of an array or members of an object; 0 for anything else.</summary>
        public int Count { get { return _count; } }

        /// <summary>True for a number written without fraction or exponent that fits a long.</summary>
        public bool IsInteger { get; }

        public bool IsNull { get { return Kind == JsonKind.Null; } }

        public bool IsBoolean { get { return Kind == JsonKind.True || Kind == JsonKind.False; } }

        /// <summary>Element <paramref name="index"/> of an array, or the value of member <paramref name="index"/> of an object.</summary>
        public JsonNode Item(int index)
        {
            if (_items == null || index < 0 || index >= _count)
            {
                throw new System.ArgumentOutOfRangeException(nameof(index), "no item " + index.ToString() + " in a JSON value with " + _count.ToString() + " items");
            }

            return _items[index];
        }

        /// <summary>The name of member <paramref name="index"/> of an object.</summary>
        public string Name(int index)
        {
            if (_names == null || index < 0 || index >= _count)
            {
                throw new System.ArgumentOutOfRangeException(nameof(index), "no member " + index.ToString() + " in a JSON value with " + _count.ToString() + " members");
            }

            return _names[index];
        }

        /// <summary>The value of the member called <paramref name="name"/>, or null when this is not an object or has no such member.</summary>
        public JsonNode? Get(string name)
        {
            if (_names == null || _items == null)
            {
                return null;
            }

            for (int i = 0; i < _count; i++)
            {
                if (_names[i] == name)
                {
                    return _items[i];
                }
            }

            return null;
        }

        public string AsString()
        {
            if (Kind != JsonKind.String)
            {
                throw new System.InvalidOperationException("JSON value at byte " + Position.ToString() + " is not a string");
            }

            return _string;
        }

        public long AsInt64()
        {
            if (Kind != JsonKind.Number || !IsInteger)
            {
                throw new System.InvalidOperationException("JSON value at byte " + Position.ToString() + " is not an integer");
            }

            return _integer;
        }

        public double AsDouble()
        {
            if (Kind != JsonKind.Number)
            {
                throw new System.InvalidOperationException("JSON value at byte " + Position.ToString() + " is not a number");
            }

            return IsInteger ? _integer : _double;
        }

        public bool AsBoolean()
        {
            if (Kind == JsonKind.True)
            {
                return true;
            }

            if (Kind == JsonKind.False)
            {
                return false;
            }

            throw new System.InvalidOperationException("JSON value at byte " + Position.ToString() + " is not true or false");
        }

        /// <summary>A word for the kind, for error messages: "a string", "an object" ...</summary>
        public static string Describe(JsonKind kind)
        {
            switch (kind)
            {
                case JsonKind.Null: return "null";
                case JsonKind.False: return "false";
                case JsonKind.True: return "true";
                case JsonKind.Number: return "a number";
                case JsonKind.String: return "a string";
                case JsonKind.Array: return "an array";
                default: return "an object";
            }
        }

        internal static JsonNode Literal(JsonKind kind, int position)
        {
            return new JsonNode(kind, position, "", 0, 0, false);
        }

        internal static JsonNode Text(string value, int position)
        {
            return new JsonNode(JsonKind.String, position, value, 0, 0, false);
        }

        internal static JsonNode Integer(long value, int position)
        {
            return new JsonNode(JsonKind.Number, position, "", value, value, true);
        }

        internal static JsonNode Real(double value, int position)
        {
            return new JsonNode(JsonKind.Number, position, "", 0, value, false);
        }

        internal static JsonNode Container(JsonKind kind, int position, JsonNode[] items, string[]? names, int count)
        {
            JsonNode node = new JsonNode(kind, position, "", 0, 0, false);
            node._items = items;
            node._names = names;
            node._count = count;
            return node;
        }
    }
}
