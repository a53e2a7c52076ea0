using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// Reads the fields of one JSON object into a message, keeping the first problem as a
    /// CodecError that names the field. After an error every read returns its default, so a
    /// decoder can read all fields and check Error once at the end. Rules: unknown members are
    /// ignored; a member that is null counts as absent (except for doubles, where null means NaN,
    /// which is how the writer sends NaN); an absent required field is MissingField; a present
    /// field of the wrong JSON type is WrongType even when it is optional.
    /// </summary>
    internal sealed class FieldReader
    {
        private readonly JsonNode _obj;
        private readonly string _prefix;

        internal FieldReader(JsonNode obj, string prefix, FieldReader? parent)
        {
            _obj = obj;
            _prefix = prefix;
            Parent = parent;
        }

        internal FieldReader? Parent { get; }

        internal CodecError? Error { get; private set; }

        /// <summary>A reader for a root that must be an object; records WrongType when it is not.</summary>
        internal static FieldReader ForRoot(JsonNode root)
        {
            FieldReader r = new FieldReader(root, "", null);
            if (root.Kind != JsonKind.Object)
            {
                r.Error = CodecError.AtByte(CodecErrorCode.WrongType, root.Position, "expected a JSON object, got " + JsonNode.Describe(root.Kind));
            }

            return r;
        }

        internal bool Ok { get { return Root().Error == null; } }

        internal string Text(string name, bool required)
        {
            JsonNode? n = Find(name, required);
            if (n == null)
            {
                return "";
            }

            if (n.Kind != JsonKind.String)
            {
                Wrong(name, n, "a string");
                return "";
            }

            return n.AsString();
        }

        internal long Integer(string name, bool required)
        {
            JsonNode? n = Find(name, required);
            if (n == null)
            {
                return 0;
            }

            if (n.Kind != JsonKind.Number || !n.IsInteger)
            {
                if (n.Kind == JsonKind.Number)
                {
                    Fail(CodecErrorCode.WrongType, name, n.Position, "expected an integer, got a number with a fraction, an exponent or too many digits");
                }
                else
                {
                    Wrong(name, n, "an integer");
                }

                return 0;
            }

            return n.AsInt64();
        }

        /// <summary>An integer that must be between 0 and int.MaxValue.</summary>
        internal int Count(string name, bool required)
        {
            long v = Integer(name, required);
            if (v < 0 || v > int.MaxValue)
            {
                JsonNode? n = _obj.Get(name);
                Fail(CodecErrorCode.OutOfRange, name, n == null ? -1 : n.Position, "expected a count between 0 and 2147483647, got " + v.ToString());
                return 0;
            }

            return (int)v;
        }

        internal double Number(string name, double absent)
        {
            JsonNode? n = _obj.Get(name);
            if (n == null || !Ok)
            {
                return absent;
            }

            if (n.Kind == JsonKind.Null)
            {
                return double.NaN;
            }

            if (n.Kind != JsonKind.Number)
            {
                Wrong(name, n, "a number");
                return absent;
            }

            return n.AsDouble();
        }

        internal bool Flag(string name, bool required)
        {
            JsonNode? n = Find(name, required);
            if (n == null)
            {
                return false;
            }

            if (!n.IsBoolean)
            {
                Wrong(name, n, "true or false");
                return false;
            }

            return n.AsBoolean();
        }

        /// <summary>True when the member is present and not null (for optional fields whose default is not 0).</summary>
        internal bool Has(string name)
        {
            return Find(name, false) != null;
        }

        /// <summary>Returns the word (or "" when absent); the caller looks it up and calls UnknownWord.</summary>
        internal string Word(string name, bool required)
        {
            return Text(name, required);
        }

        /// <summary>
        /// The index in <paramref name="words"/> (a WireWords table, indexed by the enum's value)
        /// of the field's word; 0 when it is absent, wrong or not in the table, recording
        /// UnknownWord for the last.
        /// </summary>
        internal int WordIndex(string name, bool required, string[] words)
        {
            return IndexOfWord(name, Word(name, required), words);
        }

        /// <summary>As WordIndex, for a word the caller has read already.</summary>
        internal int IndexOfWord(string name, string word, string[] words)
        {
            for (int i = 0; i < words.Length; i++)
            {
                if (words[i] == word)
                {
                    return i;
                }
            }

            UnknownWord(name, word, WireWords.Join(words));
            return 0;
        }

        /// <summary>Records that a field's word is not in its table (unless the field was absent or already wrong).</summary>
        internal void UnknownWord(string name, string word, string expected)
        {
            if (!Ok || (word.Length == 0 && _obj.Get(name) == null))
            {
                return;
            }

            JsonNode? n = _obj.Get(name);
            Fail(CodecErrorCode.UnknownWord, name, n == null ? -1 : n.Position, "unknown word '" + word + "', expected one of " + expected);
        }

        internal string[] Texts(string name)
        {
            JsonNode? n = Array(name);
            if (n == null)
            {
                return new string[0];
            }

            string[] result = new string[n.Count];
            for (int i = 0; i < n.Count; i++)
            {
                JsonNode item = n.Item(i);
                if (item.Kind != JsonKind.String)
                {
                    Wrong(name + "[" + i.ToString() + "]", item, "a string");
                    return new string[0];
                }

                result[i] = item.AsString();
            }

            return result;
        }

        internal bool[] Flags(string name)
        {
            JsonNode? n = Array(name);
            if (n == null)
            {
                return new bool[0];
            }

            bool[] result = new bool[n.Count];
            for (int i = 0; i < n.Count; i++)
            {
                JsonNode item = n.Item(i);
                if (!item.IsBoolean)
                {
                    Wrong(name + "[" + i.ToString() + "]", item, "true or false");
                    return new bool[0];
                }

                result[i] = item.AsBoolean();
            }

            return result;
        }

        internal long[] Integers(string name)
        {
            JsonNode? n = Array(name);
            if (n == null)
            {
                return new long[0];
            }

            long[] result = new long[n.Count];
            for (int i = 0; i < n.Count; i++)
            {
                JsonNode item = n.Item(i);
                if (item.Kind != JsonKind.Number || !item.IsInteger)
                {
                    Wrong(name + "[" + i.ToString() + "]", item, "an integer");
                    return new long[0];
                }

                result[i] = item.AsInt64();
            }

            return result;
        }

        /// <summary>The array member called name, or null when absent (or after an error).</summary>
        internal JsonNode? Array(string name)
        {
            JsonNode? n = Find(name, false);
            if (n == null)
            {
                return null;
            }

            if (n.Kind != JsonKind.Array)
            {
                Wrong(name, n, "an array");
                return null;
            }

            return n;
        }

        /// <summary>A reader for element index of an array member, which must be an object.</summary>
        internal FieldReader? Element(string arrayName, JsonNode array, int index)
        {
            JsonNode item = array.Item(index);
            string path = arrayName + "[" + index.ToString() + "]";
            if (item.Kind != JsonKind.Object)
            {
                Wrong(path, item, "an object");
                return null;
            }

            return new FieldReader(item, _prefix + path + ".", this);
        }

        private JsonNode? Find(string name, bool required)
        {
            if (!Ok)
            {
                return null;
            }

            JsonNode? n = _obj.Get(name);
            if (n == null || n.Kind == JsonKind.Null)
            {
                if (required)
                {
                    Fail(CodecErrorCode.MissingField, name, n == null ? -1 : n.Position, n == null ? "is required but missing" : "is required but null");
                }

                return null;
            }

            return n;
        }

        private void Wrong(string name, JsonNode n, string expected)
        {
            Fail(CodecErrorCode.WrongType, name, n.Position, "expected " + expected + ", got " + JsonNode.Describe(n.Kind));
        }

        private void Fail(CodecErrorCode code, string name, int position, string what)
        {
            FieldReader root = Root();
            if (root.Error == null)
            {
                root.Error = CodecError.ForField(code, _prefix + name, position, what);
            }
        }

        private FieldReader Root()
        {
            FieldReader r = this;
            while (r.Parent != null)
            {
                r = r.Parent;
            }

            return r;
        }
    }
}
