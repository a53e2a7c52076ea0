namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// One walk over a message's fields, writing them (encoding) or reading them (decoding). The
    /// codec describes each message once, as lines such as
    /// <code>m.Epoch = f.Integer("epoch", m.Epoch, Required);</code>
    /// Writing, a call writes the member and hands the value back unchanged; reading, it reads
    /// the member by FieldReader's rules (defaults, the first error kept) and hands that back.
    /// So the encoder and the decoder of a message cannot drift apart: they share its names,
    /// order, types and which fields are required.
    /// </summary>
    internal sealed class MessageFields
    {
        private MessageFields(JsonWriter? writer, FieldReader? reader)
        {
            Writer = writer;
            Reader = reader;
        }

        /// <summary>The writer while encoding, otherwise null.</summary>
        internal JsonWriter? Writer { get; }

        /// <summary>The reader while decoding, otherwise null.</summary>
        internal FieldReader? Reader { get; }

        internal static MessageFields Writing(JsonWriter w)
        {
            return new MessageFields(w, null);
        }

        internal static MessageFields Reading(FieldReader r)
        {
            return new MessageFields(null, r);
        }

        internal string Text(string name, string value, bool required)
        {
            if (Reader != null)
            {
                return Reader.Text(name, required);
            }

            Writer!.Member(name, value);
            return value;
        }

        internal long Integer(string name, long value, bool required)
        {
            if (Reader != null)
            {
                return Reader.Integer(name, required);
            }

            Writer!.Member(name, value);
            return value;
        }

        /// <summary>An optional integer whose absence means <paramref name="absent"/> rather than 0.</summary>
        internal long IntegerOr(string name, long value, long absent)
        {
            if (Reader != null)
            {
                return Reader.Has(name) ? Reader.Integer(name, false) : absent;
            }

            Writer!.Member(name, value);
            return value;
        }

        /// <summary>An integer between 0 and int.MaxValue.</summary>
        internal int Count(string name, int value, bool required)
        {
            if (Reader != null)
            {
                return Reader.Count(name, required);
            }

            Writer!.Member(name, value);
            return value;
        }

        /// <summary>A double; NaN travels as null, an absent member reads as <paramref name="absent"/>.</summary>
        internal double Number(string name, double value, double absent)
        {
            if (Reader != null)
            {
                return Reader.Number(name, absent);
            }

            Writer!.MemberDouble(name, value);
            return value;
        }

        /// <summary>An optional flag whose absence (or null) means <paramref name="absent"/> rather than false.</summary>
        internal bool FlagOr(string name, bool value, bool absent)
        {
            if (Reader != null)
            {
                return Reader.Has(name) ? Reader.Flag(name, false) : absent;
            }

            Writer!.Member(name, value);
            return value;
        }

        internal bool Flag(string name, bool value, bool required)
        {
            if (Reader != null)
            {
                return Reader.Flag(name, required);
            }

            Writer!.Member(name, value);
            return value;
        }

        /// <summary>
        /// An enum as its word: <paramref name="value"/> is the enum's value, the index of its word
        /// in <paramref name="words"/> (a WireWords table).
        /// </summary>
        internal int Word(string name, int value, string[] words, bool required)
        {
            if (Reader != null)
            {
                return Reader.WordIndex(name, required, words);
            }

            Writer!.Member(name, words[value]);
            return value;
        }

        /// <summary>
        /// As Word for an optional field whose absence means <paramref name="absent"/> (an enum
        /// value) rather than the table's first word; "" or an unknown word is still an error.
        /// </summary>
        internal int WordOr(string name, int value, string[] words, int absent)
        {
            if (Reader != null)
            {
                return Reader.Has(name) ? Reader.WordIndex(name, false, words) : absent;
            }

            Writer!.Member(name, words[value]);
            return value;
        }

        /// <summary>
        /// As Word for an optional field that may also be sent as "": both that and an absent
        /// member read as 0, the table's first word (such as the verdict "none").
        /// </summary>
        internal int WordOrFirst(string name, int value, string[] words)
        {
            if (Reader != null)
            {
                string word = Reader.Word(name, false);
                return word.Length == 0 ? 0 : Reader.IndexOfWord(name, word, words);
            }

            Writer!.Member(name, words[value]);
            return value;
        }

        /// <summary>An array of strings; absent reads as empty.</summary>
        internal string[] Texts(string name, string[] values)
        {
            if (Reader != null)
            {
                return Reader.Texts(name);
            }

            Writer!.Member(name, values);
            return values;
        }

        /// <summary>An array of booleans; absent reads as empty.</summary>
        internal bool[] Flags(string name, bool[] values)
        {
            if (Reader != null)
            {
                return Reader.Flags(name);
            }

            Writer!.Member(name, values);
            return values;
        }

        /// <summary>An array of integers; absent reads as empty.</summary>
        internal long[] Integers(string name, long[] values)
        {
            if (Reader != null)
            {
                return Reader.Integers(name);
            }

            Writer!.Member(name, values);
            return values;
        }
    }
}
